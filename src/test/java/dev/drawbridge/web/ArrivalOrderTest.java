package dev.drawbridge.web;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/RENDERING.md: the tiled renderer ends on the same pixels whatever order the same entries
 * arrived in, and whichever frames they fell between: several people drawing at once, their
 * strokes and points reaching each page in another order.
 */
class ArrivalOrderTest extends BrowserTest {
    /**
     * In the page, with the app's own modules: a model and renderer per arrival order, a frame
     * drawn (to completion) after every {@code batch} entries; returns each order's canvas hash.
     * With {@code edits}, each person then edits the strokes of the others (EDITS below).
     */
    private static final String RENDER_IN_ORDERS = """
            async ([orders, batch, edits]) => {
              const { DrawingModel } = await import('/assets/model.js');
              const { TiledRenderer } = await import('/assets/tiles.js');
              const { View } = await import('/assets/view.js');
              // Four people each drawing a horizontal line in ten parts, at the same time.
              const entries = [];
              for (let p = 0; p < 4; p++) {
                const peer = 'peer' + p;
                const y = 70 + p * 256; // one row of tiles each
                entries.push({ id: peer + ':1', peer, seq: 1, clock: 1 + (p % 2), kind: 'stroke',
                  tool: 'pencil', color: '#1f6feb', width: 4, points: [100, y, 0.5] });
                for (let k = 1; k <= 10; k++) {
                  const points = [];
                  for (let q = 0; q < 5; q++) points.push(100 + (k - 1) * 100 + (q + 1) * 20, y + (q % 2), 0.5);
                  entries.push({ id: peer + ':' + (k + 1), peer, seq: k + 1, clock: 1 + k + (p % 2),
                    kind: 'points', target: peer + ':1', points });
                }
              }
              if (edits) {
                // After drawing (clock 12 or 13), at once: peer0 and peer2 both move peer1's stroke,
                // peer1 scales peer3's and peer0's and then undoes that, peer3 deletes peer2's, peer2
                // moves peer0's stroke on top of peer1's old place.
                const edit = (p, seq, clock, fields) => ({ id: 'peer' + p + ':' + seq, peer: 'peer' + p, seq, clock, ...fields });
                entries.push(
                  edit(0, 12, 14, { kind: 'transform', targets: ['peer1:1'], dx: 30, dy: 40 }),
                  edit(2, 12, 14, { kind: 'transform', targets: ['peer1:1'], dx: -10, dy: 60, sx: 0.5, sy: 2, ax: 100, ay: 326 }),
                  edit(1, 12, 15, { kind: 'transform', targets: ['peer3:1', 'peer0:1'], dx: 0, dy: 0, sx: 1.5, sy: 1.5, ax: 600, ay: 400 }),
                  edit(1, 13, 16, { kind: 'undo', target: 'peer1:12' }),
                  edit(3, 12, 14, { kind: 'delete', targets: ['peer2:1'] }),
                  edit(2, 13, 15, { kind: 'transform', targets: ['peer0:1'], dx: 20, dy: 250 }),
                );
              }
              const hash = async (canvas) => {
                const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
                const digest = await crypto.subtle.digest('SHA-256', data);
                return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
              };
              const hashes = [];
              for (const order of orders) {
                const canvas = document.createElement('canvas');
                canvas.width = 1600;
                canvas.height = 900;
                const model = new DrawingModel('viewer');
                const renderer = new TiledRenderer(canvas, model, new View());
                while (!renderer.frame());
                order.forEach((index, n) => {
                  model.receive(entries[index]);
                  if ((n + 1) % batch === 0) while (!renderer.frame());
                });
                while (!renderer.frame());
                hashes.push(await hash(canvas));
              }
              return hashes;
            }""";

    @Test
    void theSameEntriesArrivingInAnyOrderGiveTheSamePixels() {
        assertSamePicturesInAnyOrder(false);
    }

    /** Moves, scales, deletes and an undone edit, arriving before or after what they edit. */
    @Test
    void editsArrivingInAnyOrderGiveTheSamePixels() {
        assertSamePicturesInAnyOrder(true);
    }

    private void assertSamePicturesInAnyOrder(boolean edits) {
        BoardPage page = open(newRoom(), "viewer");
        int strokes = 44;
        int count = edits ? strokes + 6 : strokes;
        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inOrder.add(i);
        }
        // Round-robin across the four people, later people first: every stroke lands below one
        // already drawn, and points follow strokes inserted below the top.
        List<Integer> interleaved = new ArrayList<>();
        for (int k = 0; k <= 10; k++) {
            for (int p = 3; p >= 0; p--) {
                interleaved.add(p * 11 + k);
            }
        }
        Random random = new Random(11);
        for (int i = strokes; i < count; i++) {
            interleaved.add(0, i); // the edits first of all, before what they edit
        }
        List<List<Integer>> orders = new ArrayList<>(List.of(inOrder, interleaved));
        // Each person's entries in their order: strokes, then that person's edits.
        List<List<Integer>> own = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            List<Integer> mine = new ArrayList<>();
            for (int k = 0; k <= 10; k++) {
                mine.add(p * 11 + k);
            }
            own.add(mine);
        }
        int[][] editAuthors = {{0}, {2}, {1}, {1}, {3}, {2}};
        for (int i = strokes; i < count; i++) {
            own.get(editAuthors[i - strokes][0]).add(i);
        }
        for (int n = 0; n < 6; n++) {
            // Each person's own entries in their order (as a channel keeps them), people mixed at random.
            int[] next = new int[4];
            List<Integer> mixed = new ArrayList<>();
            while (mixed.size() < count) {
                int p = random.nextInt(4);
                if (next[p] < own.get(p).size()) {
                    mixed.add(own.get(p).get(next[p]++));
                }
            }
            orders.add(mixed);
        }
        for (int batch : new int[] {1, 3}) {
            @SuppressWarnings("unchecked")
            List<String> hashes = (List<String>) page.page.evaluate(RENDER_IN_ORDERS, List.of(orders, batch, edits));
            assertThat(hashes).as("pictures of %d arrival orders, a frame every %d entries", orders.size(), batch)
                    .containsOnly(hashes.getFirst());
        }
    }
}
