// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-churn-portable.c - issue 13 item 7b: qemu-lab/churn.c recorded --portable natively on the
 * project's x86-64 VM (4 KiB pages; workloads/churn-portable.jsonl.gz) and replayed in policy
 * mode on the machines of the real arm64 4K, 16K and 64K recordings (config from their
 * before.zoneinfo and before.pagetypeinfo, --cpus 2, starting from their before.kpageflags), up
 * to the lab's `mid` snapshot; compared with what those kernels did up to their `mid` snapshot.
 *
 * The starting snapshot: the lab's before.kpageflags is the arm64 machine's own state just before
 * its churn ran, so it is the right start for a replay of that machine; the x86 recording's own
 * before.kpageflags describes another machine (24 GiB, 4 KiB pages) and cannot be used.
 *
 * The mid point: in the recording, the first record of pid 2847 (churn's fork that runs
 * /snap.sh mid; workloads/README.md); in the lab traces, the first record of the first `sh`
 * after churn started (the snap.sh of mid, whose dd reads mid.kpageflags).
 *
 * The kernels' side, all read here from realdata: anonymous faults = order-0 allocations of
 * churn's tasks with GFP_HIGHUSER_MOVABLE|__GFP_ZERO (the arm64 anonymous fault's folio) before
 * mid; THP = their order > 0 movable allocations; order-0 allocations of churn's tasks; free
 * pages = mid.vmstat nr_free_pages plus the pcp counts of mid.zoneinfo; anonymous pages =
 * mid.vmstat nr_anon_pages; free blocks per order = mid.buddyinfo.
 *
 * Held within 10 % (asserted at 10 %): anonymous faults and THP faults (exact: 32 order-9 at 4K,
 * 1 order-11 at 16K, none at 64K), anonymous pages at mid, free pages (buddy + pcp) at mid,
 * order-0 allocations (4K +0.0 %, 16K +0.1 %, 64K +0.6 %; they include the page tables above
 * the PTE level and the forks' copies of them, the tmpfs pages and the slab pages below).
 * The slab pages: the recording's 461 new slabs (allocate_slab's GFP_KERNEL|__GFP_NOWARN|
 * __GFP_NORETRY|__GFP_COMP and GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP; all but one of 4 KiB) are
 * `alloc` records of kind slab with the recorded slab's bytes, which the simulator packs into
 * slab pages of its own size (src/sim/slab.c): a 16 KiB page holds four recorded slabs, a
 * 64 KiB one sixteen. The lab kernels made 527 / 130 / 26 slab page allocations for churn
 * before mid at 4K / 16K / 64K; as one page each of the machine's size the replay made the
 * recording's 375 at every size, which had put 16K's order-0 allocations at +0.7 % and 64K's at
 * +3.3 %, free + pcp at mid -0.8 % / -3.4 %.
 * The order-0 allocations include munmap's and exit's mmu_gather batch pages (tlb_next_batch,
 * __get_free_page(GFP_NOWAIT), mm/mmu_gather.c): the importer leaves the recording's 3839
 * 4 KiB ones to the simulator, which gathers each unmap in batch pages of its own size (a
 * 64 KiB one holds 16 times the entries of a 4 KiB one, for 16 times fewer pages; the 64K
 * kernel made 213 GFP_NOWAIT allocations for churn). Replayed as one recorded page each,
 * they had put 64K at +13.1 %.
 * The tmpfs pages (phase E's 4 x 8 MiB files): shmem_add_to_page_cache has no filemap
 * tracepoint; the importer finds them by their deletion later in the recording (8189 of 8192)
 * and writes cache_adds with reason shmem, which the simulator allocates as the kernel's shmem
 * does with shmem_enabled never (the lab kernels' and the recording machine's): order 0 from
 * the parent's pcp lists. When the model read them as readahead windows (large folios from the
 * buddy allocator) the order-0 allocations were 4K -3.7 %, 16K -2.4 %, 64K +1.7 %, and phase E
 * cut 92 of sticky's 115 16K order-4 blocks (22 at mid against the one-cpu runs' 72..122).
 * Not held (asserted at the current bound, so a regression fails):
 *   free blocks per order at mid, recorded placement: the total holds; the orders below the
 *     pageblock follow where the scheduler ran churn's tasks, which the recording's cpu fields
 *     carry from the x86 machine. Asserted: the pages free at orders >= 6 (4K), >= 7 (16K) and
 *     >= 3 (64K) within 10 %, each order at its current distance from realdata (order_current).
 *
 * The kernel's own spread (tests/data/lab-churn-repeats, SOURCE.md there): the same lab kernel
 * running the same churn 512 again places churn's parent on cpu 0 throughout, on cpu 1
 * throughout, or moves it, and the low orders follow. Free blocks per order at mid, min..max
 * over all the runs, both placements mixed (realdata's in brackets); 4K 6 runs, 16K 7, 64K 6:
 *
 *   order   4K                16K             64K
 *     0     89..202 (123)     2..5   (5)      1..16 (1)
 *     1     14..170 (170)     2..15  (4)      1..10 (1)
 *     2      8..175 (111)     0..13 (13)      1..66 (1)
 *     3      5..159  (88)     0..25 (10)      2..91 (69)
 *     4      2..86   (13)     2..122 (9)      4..41 (38)
 *     5      2..67   (16)     6..79  (6)      1..4  (2)
 *     6     15..122 (122)     9..39  (9)      1..3  (3)
 *     7     40..88   (75)     1..4   (3)      1..2  (1)
 *     8     37..53   (37)     1..2   (1)      1..2  (2)
 *     9      0..2     (1)     1..2   (1)      2..3  (2)
 *    10    311..314 (311)     1..2   (2)      3     (3)
 *    11        -              39    (39)      2     (2)
 *    12        -               -              3     (3)
 *
 * The kernel reproduces itself within 10 % only at the top order of each size (4K order 10,
 * 16K order 11, 64K orders 10..12): below the pageblock a single run is one draw of a spread
 * of up to 60 times, so a 10 % claim against realdata's run alone says nothing there.
 *
 * The sticky placement (pagesim run --placement=sticky; src/sim/replay.c's header: each task's
 * records on one cpu, a placement model of an idle machine: a forked child on the cpu with the
 * fewest live tasks, its parent's on a tie, as sched_balance_find_dst_group chooses, whether
 * the fork copied the parent's memory (`parent`) or not (`forked_by`: the capture wrapper's
 * vfork child 2700, `mount`); any other task on its first record's cpu), replayed at every
 * size. The lab runs split by where their
 * kernel ran churn's parent up to mid (each run's placement file; STAYED_SHARE): "stayed" on
 * one cpu, or "moved". Sticky models the first regime, so it is compared with the stayed runs'
 * range; the recorded placement carries the recording's parent, which moved (78 % of its
 * records before mid on cpu 1, the rest on cpu 0 from D), so it is compared with the moved
 * runs' range. The range over all runs (the table above) mixes the two and at the orders D's
 * chunks make lets nearly any value pass (16K order 4: 2..122); it is printed as context only.
 * Free blocks per order at mid, regime's min..max / the model (out: blocks outside), asserted
 * at 16K and 64K:
 * - 16K, stayed (16k-3, -4, -7, -8) against sticky: inside at every order but 3 (26 against
 *   0..14) and 1 (1 against 2..15): 13 blocks. Order 4 110 against 72..122 (22 when the tmpfs
 *   pages were readahead folios); order 3 was 56 while sticky kept the recording's fork
 *   placement (three children on the parent's cpu, where the lab kernels put two per cpu; their
 *   chunks then left 128 KiB blocks that D's few refills did not take), then 6 until the
 *   snapshot's pcp pages were put on the lists (src/sim/snapshot-pcp.c, start_names_nothing;
 *   before that they stayed allocated: 2 blocks outside, at 10 (3 against 1..2) and 11 (38
 *   against 39)). Which pages those are moves order 3 most: with the kernel's own start pages
 *   (from the exact import of realdata's trace, a test-only experiment) sticky is outside only
 *   at 5 (69 against 71..79), order 3 at 2. Moved (realdata, 16k-5, 16k-6) against recorded:
 *   inside but at 5 by 3 (3 against 6..69) and by one block at 7 and 8 (5 blocks; 30 before the
 *   slab pages were packed, 18 before the pcp pages). The share classes by the parent's
 * cpus, not by what made the low orders: 16k-6's parent moved once, in A (after 24,911 of its
 * 45,803 allocations, before B's frees), so B's frees and D's chunks shared a cpu and its
 * orders 4..6 (109, 69, 36) are the stayed runs' kind. It widens the moved range at orders 3..5
 * (order 4: 2..109, without it 2..9) but changes no in/out result above. Realdata's and the
 * recording's parent moved between B and D.
 * - 64K, stayed (realdata, 64k-1, -2, -4, -5) against sticky: inside at every order but 8 (1
 *   against 2): 1 block; 2 (6 by one, 1 against 2..3, too) before the snapshot's pcp pages were
 *   put on the lists, 8 before that while the wrapper's vfork child 2700 kept its recorded cpu
 *   (the parent's) instead of the fork rule's other one (at 5 by 4, 7 against 1..3, and 4 by 2,
 *   33 against 35..41). Moved (64k-3 alone: one draw) against recorded: equal at 2, 7, 10..12;
 *   outside by 8 at orders 0 and 1 (2 against 10), 2 at 4, 5, 8 and 9, one block at 3 and 6
 *   (26 blocks; 27 before the pcp pages, 28 before 2700's fork rule).
 *   Each distance outside is held at its current value (stayed_out_current,
 *   moved_out_current): regression guards, not fidelity claims. The top-order block short at
 *   16K (a pageblock of 32 MiB) was the machine's last pageblock, whose 64 flagless pages were
 *   on the kernel's pcp lists at the start and stayed allocated in the replay until the start
 *   filled the lists (snapshot-pcp.c); 64K's order 8 is not explained yet.
 * - Not claimed, printed: 4K. Against the stayed runs (realdata, 4k-1, 4k-3) sticky is inside
 *   at orders 6, 9 and 10: outside at 0 by 88 (1 against 89..177), 1 by 11, 7 by 6 (69 against
 *   75..88), 2 by 5, 8 by 4, 3 and 5 by 2, 4 by one: 119 blocks (126 before the snapshot's pcp
 *   pages were put on the lists, with order 6 at 94 against 105..122; 122 with 2700 on its
 *   recorded cpu: order 6 by 5, 0 by 89). The kernels' order-0..3
 *   blocks come from the phase-C children (see below), which no placement tried reproduces.
 *   Against the moved runs (4k-2, -4, -5) the recorded placement is inside only at order 9.
 * - Where realdata's parent stayed on one cpu (4K, 64K) the sticky replay is nearer realdata's
 *   kernel than the recorded one at the orders D's chunks make (4K 6..8: 112, 69, 33 against
 *   122, 75, 37; 64K 3..4: 78, 37 against 69, 38), within 10 % at 4K orders 6, 7 (orders 7, 8,
 *   74 and 35, before the snapshot's pcp pages were put on the lists, order 6 at 94; 64K order
 *   3 was, 70, until 2700 was placed by the fork rule: 78 is +13.0 % of realdata's 69, inside
 *   the stayed runs' 69..91, where realdata is the lowest); free pages at orders >= 6 / 7 / 3
 *   +0.2 % / -0.2 % / -0.6 % (-0.4 % / -0.6 % / -1.1 % before the pcp pages, -0.8 % / -0.5 %
 *   / -0.7 % before the fork rule; recorded -6.1 % / +0.0 % / -5.8 %, -6.3 % / -0.6 % / -6.3 %
 *   before the pcp pages; 16K and 64K -0.9 % / -2.0 %, recorded -0.9 % / -7.8 %, before the
 *   slab pages were packed). Each order is also held at its current distance from realdata
 *   (sticky_current). It replaces session 17's test-only rewrite of the trace with the parent's
 *   records on one cpu, which gave the same orders within a few blocks (4K 6..8: 72, 76, 36;
 *   64K 3..4: 73, 39) but moved 64K order 2 to 20 (sticky 20; kernels 1..66).
 * - At 64K the sticky replay is checked against an independent rewrite of the trace (each
 *   task's records on its cpu, chosen as above, replayed recorded): the same free blocks at
 *   every order.
 * - sticky_current's moves (regression guards against realdata's one run, not fidelity claims).
 *   af3f602 (the tmpfs pages as shmem) moved 16K's away from realdata at orders 1 (1 -> 2), 3
 *   (9 -> 46) and 4 (13 -> 105); its message left those rows out. Order 4 is expected: sticky
 *   models the stayed regime (114, inside the stayed runs' 72..122) and realdata's 16K parent
 *   moved (9). Order 3 was one of the excesses at 128-256 KiB blocks that came with it (16K
 *   order 3 56 against the stayed runs' 0..14, 4K order 5 34 against 2..16, 64K order 2 67
 *   against 1..66), whose cause was not known when it landed; a2bdb42 found it, sticky keeping
 *   the recording's fork placement of the phase-C children (above), and brought 16K order 3
 *   back to 9 (sticky 1), 4K order 5 to 15 and 64K order 2 to 19.
 *   The wrapper's vfork child 2700 placed by the fork rule (`forked_by`, session 21) moved
 *   them both ways: 4K orders 0, 1, 8, 10 nearer (123 -> 121, 168 -> 167, 3 -> 2, 1 -> 0), 2,
 *   6, 9 further (108 -> 110, 22 -> 28, 1 -> 2); 16K 3, 4, 5 nearer (9 -> 4, 104 -> 102,
 *   68 -> 66), 1, 6, 7 further (1 -> 2, 26 -> 28, 1 -> 2; realdata's 16K parent moved); 64K
 *   4, 5 nearer (5 -> 1 each), 1, 2, 3 further (1 -> 2, 20 -> 22, 1 -> 8).
 *   The snapshot's pcp pages on the lists at the start (session 22, start_names_nothing; free
 *   + pcp at mid 4K -0.1 % -> +0.8 %, 16K -0.6 % -> +0.0 %, 64K -2.2 % -> -0.1 %): 4K nearer at
 *   2, 3, 4, 5, 6, 9 (110 -> 108, 86 -> 85, 13 -> 12, 15 -> 2, 28 -> 10, 2 -> 0), further at
 *   0, 7, 8, 10 (121 -> 122, 1 -> 6, 2 -> 4, 0 -> 3); 16K nearer at 4, 7..11 (102 -> 99, 2 ->
 *   1, 1 -> 0 each), further at 0..3 (2 -> 3, 2 -> 3, 12 -> 13, 4 -> 16); 64K nearer at 1, 5, 6
 *   (2 -> 1, 1 -> 0, 2 -> 1), further at 0, 2, 3 (1 -> 2, 22 -> 58, 8 -> 9; order 2 lies in the
 *   stayed runs' 1..66 and realdata is its lowest).
 *   The recorded placement's distances (order_current) came nearer at every 16K order (to 5
 *   blocks or less; realdata's 16K parent moved, as the recording's did).
 *
 * Why the low orders differ from realdata's run (session 17, from the exact imports of the lab
 * traces, whose policy replays give the kernel's free blocks at mid to a block or two at every
 * order, test-qemu):
 * the allocator rules are not it; the placement of the tasks is.
 * - The parent. On the 4K and 64K kernels churn's parent ran on cpu 0 from A to mid (175,988 of its
 *   175,999 allocations before mid at 4K, 12,091 of 12,095 at 64K): B's checkerboard frees fill cpu
 *   0's pcp lists to pcp->high (free_frozen_page_commit, nr_pcp_high), and D's 64 KiB chunks are
 *   served from those lists (rmqueue_pcplist) and half of them freed again, which leaves B's freed
 *   chunks in pieces: 4K's orders 6..8, 64K's orders 3..4. On the recording machine the parent ran
 *   A and B on cpu 1 and moved to cpu 0 for D (from 0.6 s, after C's forks); the replay follows, so
 *   D's allocations never reach B's pages, and B's ~29,000 pages sit on cpu 1's list to mid (model
 *   pcp 17,217 + 29,443 pages against the kernel's 12,893 + 6,453 at 4K). The 16K kernel moved its
 *   parent as the recording did (33,336 allocations on cpu 1, 12,477 on cpu 0 before mid) and is
 *   the one the replay meets (within 19 blocks per order) -- one draw: four of its other runs
 *   kept the parent on one cpu (16k-3, -4, -7, -8) and put orders 4..6 at 72..122, 71..79,
 *   35..39. With the
 *   parent's records on one cpu (session 17's test-only rewrite, the recording's first cpu 1;
 *   now the sticky replay), D's chunks come off
 *   the lists B's frees filled: 4K orders 6, 7, 8 went from 5, 1, 7 to 72, 76, 36 blocks
 *   (realdata 122, 75, 37; sticky at the time 69, 74, 34) and 64K orders 3, 4 from 0, 1 to 73, 39
 *   (realdata 69, 38; sticky 69, 34). 4K order 6 stayed about 50 blocks short of realdata's
 *   122 while phase E's tmpfs pages were large readahead folios from the buddy allocator; as
 *   the kernel's order-0 pages from the parent's pcp lists they leave B's blocks alone: 114 (100
 *   with the fork rule, which moves phase C's children). The lab kernels' parent ran on cpu 0
 *   in realdata, whose high starts raised (27,972) where cpu 1's starts at high_min (3,520);
 *   with the records on cpu 0 instead the same orders moved the same way (4K 6..8: 66, 75, 36;
 *   64K 2..4: 2, 64, 34), and the new runs show the kernel doing the same with its parent on
 *   cpu 1 (64k-1, 64k-4: orders 3..4 at 91/40 and 75/41): the claim is the parent on one cpu,
 *   not which.
 * - The children. 4K's 505 free blocks of orders 0..4 are phase C's: the kernel put children 271
 *   and 273 on cpu 1, whose pcp->high sat at high_min (3520, before.zoneinfo) while the parent kept
 *   cpu 0, and child 274, which faulted on cpu 0, exited on cpu 1 (2,849 of its frees there). Their
 *   faults refilled cpu 1 (pcp->high grew by each refill's batch to 9568, nr_pcp_alloc) and the
 *   frees of all three overflowed it. In the exact replay, which follows the kernel there: a drain
 *   of 1612 pages from the list tail (free_pcppages_bulk), 310 at the next decay_pcp_high and 2016
 *   at a later free, while the pages freed last stayed on the list to mid (the kernel's 6,453). Of
 *   the 505 blocks, 432 were last freed by 271 and 273 on cpu 1, and for 291 the first page of the
 *   buddy block is one of their freed pages that had not merged with it. On the recording machine
 *   one child (2765) ran alone on cpu 0, which the replay starts with the kernel's raised high
 *   (27,972), and three on cpu 1 took B's pages. With each placement tried by hand (the parent's
 *   records on cpu 1; on cpu 0 with children 2765 and 2769 on cpu 1, interleaved or one after the
 *   other; the same with 2776's unmaps and exit on cpu 1, as 274's) orders 0..4 keep 0..4 blocks
 *   each: the children's cpu stays under its high, or (the last) overflows once, by 1,924 pages
 *   that do not cut the children's chunks (orders 0..4: 1, 2, 2, 2, 1). The drain is what differs:
 *   the kernel's 1612 were 1577 freed pages and 35 a refill left unused (the exact replay, every
 *   page added to and taken from cpu 1's lists followed), the serialised replay's 1924 were 384
 *   freed and 1540 that refills had left unused at the list's tail, which the second child, taking
 *   the list's head, never reached; in the kernel both children were faulting from 2.32 s. Kernel-
 *   kind pages (GFP_KERNEL_ACCOUNT page tables, GFP_NOWAIT gather batches) were the last allocation
 *   of 57 of the 505 blocks' first pages, anonymous pages of 421: page tables freed a grace period
 *   later (tlb_remove_table_rcu) are not the cause.
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "../common/lab-rec.h"
#include "../common/policy-run.h"
#include "../common/test-util.h"
#include "config/config.h"
#include "mm/mm.h"
#include "sim/sim.h"
#include "trace/trace.h"

#define MID_PID	 2847 /* the recording's /snap.sh mid fork (workloads/README.md) */
#define LAB_CPUS 2    /* the qemu lab's machines and the recording's */

typedef struct {
	const char *name;
	uint32_t page_size;
	unsigned high_from;			/* orders from here on: free pages within 10 % */
	double order0_bound;			/* |sim/real - 1| of the order-0 allocations */
	double order_current[PS_NR_ORDERS_MAX]; /* |sim - real| free blocks per order, current */
	/* realdata's kernel kept churn's parent on one cpu up to mid (4K, 64K; 16K moved it) */
	bool parent_stayed;
	/*
	 * Against the lab kernels' runs (tests/data/lab-churn-repeats), split by the placement of
	 * churn's parent (STAYED_SHARE), when envelope: the --placement=sticky replay within the
	 * envelope of the runs whose parent stayed on one cpu, the recorded placement's (the
	 * recording's parent moved) within that of the runs whose parent moved, at every order but
	 * for stayed_out_current[i] / moved_out_current[i] blocks outside: regression guards at the
	 * model's current distance, not fidelity claims.
	 * sticky_orders: free blocks within 10 % of realdata's kernel; toward_from..toward_to:
	 * nearer realdata's kernel than the recorded placement's replay; sticky_current: |sim -
	 * realdata| free blocks per order, current.
	 */
	bool envelope;
	double stayed_out_current[PS_NR_ORDERS_MAX];
	double moved_out_current[PS_NR_ORDERS_MAX];
	unsigned sticky_orders[4];
	unsigned nr_sticky_orders;
	unsigned toward_from, toward_to;
	double sticky_current[PS_NR_ORDERS_MAX];
	bool check_rewrite; /* sticky == the recorded placement of a trace rewritten to it */
	/* the commit stayed_out_current and moved_out_current were measured at */
	const char *out_taken;
} Machine;

static const Machine machines[] = {
    {"qemu-arm64-4k-6.18.2",
     4096,
     6,
     0.10,
     {104, 157, 98, 76, 1, 3, 114, 72, 30, 0, 3},
     true,
     false,
     {0},
     {0},
     {6, 7},
     2,
     6,
     8,
     {122, 167, 108, 85, 12, 2, 10, 6, 4, 0, 3},
     false,
     "9d6460e"},
    {"qemu-arm64-16k-6.18.2",
     16384,
     7,
     0.10,
     {1, 2, 2, 0, 5, 3, 4, 2, 1, 0, 0, 0},
     false,
     true,
     {0, 1, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0},
     {0, 0, 0, 0, 0, 3, 0, 1, 1, 0, 0, 0},
     {0},
     0,
     1,
     0,
     {3, 3, 13, 16, 99, 66, 28, 1, 0, 0, 0, 0},
     false,
     "23246c0"},
    {"qemu-arm64-64k-6.18.2",
     65536,
     3,
     0.10,
     {1, 1, 2, 66, 36, 0, 1, 1, 1, 1, 0, 0, 0},
     true,
     true,
     {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0},
     {8, 8, 0, 1, 2, 2, 1, 0, 2, 2, 0, 0, 0},
     {0},
     0,
     3,
     4,
     {2, 1, 58, 9, 1, 0, 1, 1, 1, 0, 0, 0, 0},
     true,
     "23246c0"},
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(cJSON, cJSON_Delete)

static char *tmp_dir;

static double num(const cJSON *o, const char *path)
{
	g_auto(GStrv) parts = g_strsplit(path, ".", -1);
	const cJSON *it = o;

	for (int i = 0; parts[i]; i++) {
		it = cJSON_GetObjectItemCaseSensitive(it, parts[i]);
		g_assert_nonnull(it);
	}
	return it->valuedouble;
}

/* Sum of the "count:" lines of a zoneinfo (the pcp lists of every cpu). */
static double pcp_pages(const char *path)
{
	g_autofree char *text = NULL;
	double n = 0;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	for (const char *p = strstr(text, "count:"); p; p = strstr(p + 1, "count:"))
		n += g_ascii_strtod(p + strlen("count:"), NULL);
	return n;
}

typedef struct {
	double anon_faults, order0, thp[PS_NR_ORDERS_MAX];
	/* new slabs: allocate_slab's first try (__GFP_COMP | __GFP_NOWARN | __GFP_NORETRY) */
	double slabs;
	/* the lab parent's (churn's first task's) allocations before mid, by cpu */
	double parent_cpu[LAB_CPUS];
	/* khugepaged's PMD-order allocations before mid (collapse_huge_page), the first one's
	 * time and the first phase-C child's first record's (0: none) */
	double collapses;
	uint64_t collapse_ns, first_child_ns;
} RealCounts;

/* What churn's tasks allocated before mid, from the lab's trace (exact import). */
static void real_counts(const char *dir, uint32_t page_size, RealCounts *rc)
{
	g_autofree char *txt = g_build_filename(dir, "trace.txt.gz", NULL);
	g_autofree char *jsonl = g_build_filename(tmp_dir, "real.jsonl.gz", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) churn = g_hash_table_new(g_direct_hash, g_direct_equal);
	PsImportOptions iopts = {.page_size = page_size};
	PsImportStats st;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	PsTraceReader *r;
	int mid = -1, parent = -1, khugepaged = -1;
	/* HPAGE_PMD_ORDER: a PTE table's entries, page_size / 8 */
	unsigned pmd_order = (unsigned)g_bit_nth_lsf(page_size, -1) - 3;

	memset(rc, 0, sizeof(*rc));
	g_assert_true(ps_trace_import(txt, jsonl, &iopts, &st, &error));
	g_assert_no_error(error);
	r = ps_trace_reader_open(jsonl, &hdr, &error);
	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1) {
		if (ev.op == PS_OP_PROC) {
			/* the lab's binary is `churn` at 64K and `workload` at 16K */
			if (!strcmp(ev.comm, "churn") || !strcmp(ev.comm, "workload")) {
				g_hash_table_add(churn, GINT_TO_POINTER(ev.pid));
				if (parent < 0)
					parent = ev.pid;
				else if (!rc->first_child_ns && ev.pid != parent)
					rc->first_child_ns = ev.t_ns;
			} else if (!strcmp(ev.comm, "khugepaged")) {
				khugepaged = ev.pid;
			} else if (!strcmp(ev.comm, "sh") && g_hash_table_size(churn) && mid < 0)
				mid = ev.pid;
		}
		if (mid >= 0 && ev.pid == mid)
			break;
		if (ev.op == PS_OP_ALLOC && ev.pid == khugepaged && ev.order == (int)pmd_order) {
			rc->collapses++;
			if (!rc->collapse_ns)
				rc->collapse_ns = ev.t_ns;
		}
		if (ev.op != PS_OP_ALLOC || !g_hash_table_contains(churn, GINT_TO_POINTER(ev.pid)))
			continue;
		if (ev.pid == parent && ev.cpu >= 0 && ev.cpu < LAB_CPUS)
			rc->parent_cpu[ev.cpu]++;
		if ((ev.gfp & (PS_GFP_COMP | PS_GFP_NOWARN | PS_GFP_NORETRY | PS_GFP_MOVABLE)) ==
		    (PS_GFP_COMP | PS_GFP_NOWARN | PS_GFP_NORETRY))
			rc->slabs++;
		if (ev.order == 0) {
			rc->order0++;
			if ((ev.gfp & PS_GFP_HIGHUSER_MOVABLE) == PS_GFP_HIGHUSER_MOVABLE &&
			    (ev.gfp & PS_GFP_ZERO))
				rc->anon_faults++;
		} else if (ev.order > 0 && (ev.gfp & PS_GFP_MOVABLE)) {
			rc->thp[ev.order]++;
		}
	}
	g_assert_no_error(error);
	ps_trace_reader_close(r);
	g_assert_cmpint(mid, >, 0);
	ps_test_rm_rf(jsonl);
}

static void check(const char *what, double sim, double real, double bound)
{
	double dev = real ? sim / real - 1 : (sim ? INFINITY : 0);

	g_test_message("%-28s model %10.0f kernel %10.0f  %+6.1f %%", what, sim, real, 100 * dev);
	g_assert_cmpfloat(fabs(dev), <=, bound);
}

/*
 * The replay's slab page allocations up to until_ns: the packed ones its summary counts
 * (sim/slab.c), else (a slab page holds one recorded slab) the trace's slab records.
 */
static double model_slabs(const cJSON *sum, const char *trace, uint64_t until_ns)
{
	const cJSON *t =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "totals"), "slab_pages_allocated");
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	PsTraceReader *r;
	double n = 0;

	if (t)
		return t->valuedouble;
	r = ps_trace_reader_open(trace, &hdr, &error);
	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1 && ev.t_ns < until_ns)
		n += ev.op == PS_OP_ALLOC && ev.kind == PS_KIND_SLAB;
	g_assert_no_error(error);
	ps_trace_reader_close(r);
	return n;
}

/*
 * A policy replay of trace on a machine from the lab recording in dir (its before.zoneinfo,
 * --cpus 2, from its before.kpageflags) up to until_ns, its task records placed by placement,
 * into out: its summary and its free blocks per order.
 */
static cJSON *replay_to_mid(const Machine *m, const char *dir, const char *trace, uint64_t until_ns,
			    enum ps_placement placement, const char *out, uint64_t *blocks)
{
	g_autofree char *before = g_build_filename(dir, "before.kpageflags.gz", NULL);
	g_autofree char *bi = g_build_filename(out, "buddyinfo", NULL);
	/* pagesim config from-proc --zoneinfo before.zoneinfo --cpus 2 */
	PsConfig *cfg = ps_test_config_from_dir(dir, LAB_CPUS);
	cJSON *sum;

	g_assert_cmpuint(cfg->spec.page_size, ==, m->page_size);
	sum = ps_test_policy_run_placed(cfg, trace, before, dir, out, until_ns, placement);
	ps_config_free(cfg);
	ps_test_buddyinfo_dma(bi, blocks);
	return sum;
}

/*
 * trace with every task record that names a cpu moved to its task's cpu, written to path: a
 * forked child's (a proc record with parent) the cpu with the fewest tasks between its fork and
 * exit (the parent's on a tie, else the lowest), any other task's its first such record's: what
 * --placement=sticky does to churn-portable (its records all name a task and a cpu but the
 * frees, which name neither; no interrupt or kernel-thread records), by a rewrite that shares
 * no code with replay.c's. Returns the records moved.
 */
static uint64_t tasks_on_first_cpu(const char *trace, const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) first = g_hash_table_new(g_direct_hash, g_direct_equal);
	PsTraceHeader hdr;
	PsTraceEvent ev;
	PsTraceReader *r = ps_trace_reader_open(trace, &hdr, &error);
	PsTraceWriter *w;
	uint64_t moved = 0;
	int tasks[LAB_CPUS] = {0};

	g_assert_no_error(error);
	w = ps_trace_writer_new(path, &hdr, &error);
	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1) {
		if (ev.op == PS_OP_PROC && (ev.value > 0 || ev.forked_by > 0) &&
		    !g_hash_table_contains(first, GINT_TO_POINTER(ev.pid))) {
			int forker = ev.value > 0 ? (int)ev.value : ev.forked_by;
			int parent =
			    GPOINTER_TO_INT(g_hash_table_lookup(first, GINT_TO_POINTER(forker))) -
			    1;
			int pick = parent;

			g_assert_cmpint(parent, >=, 0);
			for (int c = 0; c < LAB_CPUS; c++)
				if (tasks[c] < tasks[pick] ||
				    (tasks[c] == tasks[pick] && pick != parent && c < pick))
					pick = c;
			g_hash_table_insert(first, GINT_TO_POINTER(ev.pid),
					    GINT_TO_POINTER(pick + 1));
			tasks[pick]++;
		}
		if (ev.pid > 0 && ev.cpu >= 0 && ev.op != PS_OP_PROC && ev.op != PS_OP_OBSERVED) {
			gpointer key = GINT_TO_POINTER(ev.pid);
			int cpu = GPOINTER_TO_INT(g_hash_table_lookup(first, key)) - 1;

			g_assert_cmpint(ev.irq, ==, PS_IRQ_NONE);
			if (cpu < 0) {
				g_hash_table_insert(first, key, GINT_TO_POINTER(ev.cpu + 1));
				tasks[ev.cpu]++;
				cpu = ev.cpu;
			} else {
				moved += ev.cpu != cpu;
				ev.cpu = cpu;
			}
			if (ev.op == PS_OP_EXIT) {
				g_hash_table_remove(first, key);
				tasks[cpu]--;
			}
		}
		g_assert_true(ps_trace_writer_write(w, &ev, &error));
	}
	g_assert_no_error(error);
	ps_trace_reader_close(r);
	g_assert_true(ps_trace_writer_close(w, &error));
	g_assert_no_error(error);
	return moved;
}

/* Free pages in blocks of order from and above. */
static double pages_from(const uint64_t *blocks, unsigned from)
{
	double n = 0;

	for (unsigned i = from; i < PS_NR_ORDERS_MAX; i++)
		n += (double)(blocks[i] << i);
	return n;
}

/*
 * A run's churn parent stayed on one cpu up to mid when at least this share of its page
 * allocations before mid were on one cpu. The runs' shares (placement files) are 99.9..100 %
 * and 98.6 % (64k-5: 173 of 12,093 on cpu 0) against 70..82 % for the runs that moved it: any
 * cut between 83 % and 98.5 % splits them the same way. A cut at 99 % would put 64k-5 with the
 * moved runs although its orders 3..4 (82, 40 blocks) are the stayed runs' (69..91, 35..41)
 * and not the moved run's (2, 4).
 */
#define STAYED_SHARE 0.95

/* min and max free blocks per order at mid over n runs */
typedef struct {
	uint64_t lo[PS_NR_ORDERS_MAX], hi[PS_NR_ORDERS_MAX];
	unsigned n;
} Envelope;

static void envelope_add(Envelope *e, const uint64_t *blocks)
{
	for (unsigned i = 0; i < PS_NR_ORDERS_MAX; i++) {
		e->lo[i] = e->n ? MIN(e->lo[i], blocks[i]) : blocks[i];
		e->hi[i] = e->n ? MAX(e->hi[i], blocks[i]) : blocks[i];
	}
	e->n++;
}

/* How far v lies outside e's range at order i: negative below, positive above, 0 inside. */
static double envelope_out(const Envelope *e, unsigned i, uint64_t v)
{
	g_assert_cmpuint(e->n, >, 0);
	if (v < e->lo[i])
		return -(double)(e->lo[i] - v);
	return v > e->hi[i] ? (double)(v - e->hi[i]) : 0;
}

/* The "parent PID cpu0 N cpu1 N" line of a placement file (tools/lab/churn-placement.py). */
static void placement_parent(const char *path, double *cpu)
{
	g_autofree char *text = NULL;
	int pid;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_true(g_str_has_prefix(text, "parent "));
	g_assert_cmpint(sscanf(text, "parent %d cpu0 %lf cpu1 %lf", &pid, &cpu[0], &cpu[1]), ==, 3);
	g_assert_cmpfloat(cpu[0] + cpu[1], >, 0);
}

/* The share of n page allocations on the cpu that has the most. */
static double main_share(const double *cpu)
{
	double top = 0, n = 0;

	for (int c = 0; c < LAB_CPUS; c++) {
		top = MAX(top, cpu[c]);
		n += cpu[c];
	}
	return n ? top / n : 0;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The lab kernel runs of this page size shipped in tests/data/lab-churn-repeats (directories
 * PS-*, PS "4k" ...): the envelope over all of them, over those whose parent stayed on one cpu
 * and over those whose parent moved (STAYED_SHARE, from each run's placement file); realdata's
 * parent's allocations per cpu from its placement file into realdata_cpu.
 */
static void kernel_runs(const char *srcdir, uint32_t page_size, Envelope *all, Envelope *stayed,
			Envelope *moved, double *realdata_cpu)
{
	g_autofree char *root =
	    g_build_filename(srcdir, "tests", "data", "lab-churn-repeats", NULL);
	g_autofree char *prefix = g_strdup_printf("%uk-", page_size / 1024);
	g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	bool have_realdata = false;

	g_assert_nonnull(d);
	memset(all, 0, sizeof(*all));
	memset(stayed, 0, sizeof(*stayed));
	memset(moved, 0, sizeof(*moved));
	while ((name = g_dir_read_name(d)))
		if (g_str_has_prefix(name, prefix))
			g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, cmp_str); /* the messages in a fixed order */
	for (unsigned k = 0; k < names->len; k++) {
		const char *run = g_ptr_array_index(names, k);
		g_autofree char *bi = g_build_filename(root, run, "mid.buddyinfo", NULL);
		g_autofree char *pl = g_build_filename(root, run, "placement", NULL);
		uint64_t b[PS_NR_ORDERS_MAX];
		double cpu[LAB_CPUS], share;

		ps_test_buddyinfo_dma(bi, b);
		placement_parent(pl, cpu);
		share = main_share(cpu);
		g_test_message(
		    "run %-13s parent's allocations before mid %6.0f / %6.0f (%5.1f %% on "
		    "one cpu): %s",
		    run, cpu[0], cpu[1], 100 * share, share >= STAYED_SHARE ? "stayed" : "moved");
		envelope_add(all, b);
		envelope_add(share >= STAYED_SHARE ? stayed : moved, b);
		if (g_str_has_suffix(run, "-realdata")) {
			memcpy(realdata_cpu, cpu, sizeof(cpu));
			have_realdata = true;
		}
	}
	g_assert_true(have_realdata);
	g_assert_cmpuint(stayed->n, >=, 1);
	g_assert_cmpuint(moved->n, >=, 1);
}

/*
 * The recording's churn parent (its first `churn` task): its records that name a cpu before
 * until_ns (the recording's page-allocating faults, maps and unmaps), per cpu.
 */
static void recording_parent(const char *trace, uint64_t until_ns, double *cpu)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsTraceReader) r = NULL;
	PsTraceHeader hdr;
	PsTraceEvent ev;
	int parent = -1;

	memset(cpu, 0, LAB_CPUS * sizeof(*cpu));
	r = ps_trace_reader_open(trace, &hdr, &error);
	g_assert_no_error(error);
	while (ps_trace_reader_next(r, &ev, &error) == 1 && ev.t_ns < until_ns) {
		if (ev.op == PS_OP_PROC && parent < 0 && !strcmp(ev.comm, "churn"))
			parent = ev.pid;
		if (ev.pid == parent && ev.op != PS_OP_PROC && ev.op != PS_OP_OBSERVED &&
		    ev.cpu >= 0 && ev.cpu < LAB_CPUS)
			cpu[ev.cpu]++;
	}
	g_assert_no_error(error);
	g_assert_cmpint(parent, >, 0);
}

/*
 * The replay's faults of churn's tasks (summary procs of comm churn): anonymous faults, THP ones
 * included, returned; the THP faults added to thp[] by their folio's order.
 */
static double churn_faults(const cJSON *sum, uint32_t page_size, double *thp)
{
	const cJSON *pr, *f;
	double faults = 0;

	cJSON_ArrayForEach(pr, cJSON_GetObjectItem(sum, "procs"))
	{
		if (strcmp(cJSON_GetObjectItem(pr, "comm")->valuestring, "churn"))
			continue;
		faults += num(pr, "anon_faults");
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(pr, "thp_faults"))
		{
			/* "32768kB": the folio's order at this page size */
			double kb = g_ascii_strtod(f->string, NULL);
			unsigned order = (unsigned)log2(kb * 1024 / page_size);

			g_assert_cmpuint(order, <, PS_NR_ORDERS_MAX);
			thp[order] += f->valuedouble;
		}
	}
	return faults;
}

static void test_machine(gconstpointer data)
{
	const Machine *m = data;
	const char *root = g_getenv("PAGESIM_REALDATA");
	const char *srcdir = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *dir = root ? g_build_filename(root, m->name, NULL) : NULL;
	g_autofree char *trace =
	    g_build_filename(srcdir, "workloads", "churn-portable.jsonl.gz", NULL);
	g_autofree char *out = NULL, *p = NULL;
	g_autoptr(cJSON) sum = NULL;
	uint64_t sim_b[PS_NR_ORDERS_MAX], real_b[PS_NR_ORDERS_MAX], rec_b[PS_NR_ORDERS_MAX];
	uint64_t until_ns;
	Envelope all, stayed, moved;
	double faults = 0, thp[PS_NR_ORDERS_MAX] = {0}, realdata_cpu[LAB_CPUS], rec_cpu[LAB_CPUS];
	RealCounts rc;

	if (!dir || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_test_skip("realdata/qemu-arm64-* not available (PAGESIM_REALDATA)");
		return;
	}
	out = g_build_filename(tmp_dir, m->name, NULL);
	until_ns = ps_test_first_record_ns(trace, MID_PID);
	sum = replay_to_mid(m, dir, trace, until_ns, PS_PLACEMENT_RECORDED, out, sim_b);

	real_counts(dir, m->page_size, &rc);
	faults = churn_faults(sum, m->page_size, thp);
	/* a THP fault is one fault; the kernel's count above has only the base-page ones */
	for (unsigned i = 1; i < PS_NR_ORDERS_MAX; i++)
		faults -= thp[i];
	check("anonymous faults", faults, rc.anon_faults, 0.10);
	for (unsigned i = 1; i < PS_NR_ORDERS_MAX; i++) {
		g_autofree char *what = g_strdup_printf("THP faults order %u", i);

		if (thp[i] || rc.thp[i])
			check(what, thp[i], rc.thp[i], 0);
	}
	/* every allocation of the replay is order 0 but its THP ones */
	{
		double o0 = num(sum, "totals.allocs");

		for (unsigned i = 1; i < PS_NR_ORDERS_MAX; i++)
			o0 -= thp[i];
		check("order-0 allocations", o0, rc.order0, m->order0_bound);
	}
	/* printed: the recording is another machine's (x86, its own kernel's caches) */
	g_test_message("%-28s model %10.0f kernel %10.0f", "new slab pages (not held)",
		       model_slabs(sum, trace, until_ns), rc.slabs);
	/* THP madvise: khugepaged scans the MADV_HUGEPAGE mapping, which faulted its THPs */
	check("khugepaged collapses", num(sum, "vm_events.thp_collapse_alloc"), rc.collapses, 0);

	p = g_build_filename(out, "vmstat", NULL);
	{
		g_autofree char *mv = g_build_filename(dir, "mid.vmstat", NULL);
		g_autofree char *mz = g_build_filename(dir, "mid.zoneinfo", NULL);
		g_autofree char *rb = g_build_filename(dir, "mid.buddyinfo", NULL);

		check("anonymous pages at mid", (double)ps_test_vmstat_file(p, "nr_anon_pages"),
		      (double)ps_test_vmstat_file(mv, "nr_anon_pages"), 0.10);
		check(
		    "free pages + pcp at mid",
		    (double)ps_test_vmstat_file(p, "nr_free_pages") +
			num(cJSON_GetArrayItem(cJSON_GetObjectItem(sum, "final"), 0), "pcp_pages"),
		    (double)ps_test_vmstat_file(mv, "nr_free_pages") + pcp_pages(mz), 0.10);
		ps_test_buddyinfo_dma(rb, real_b);
	}
	for (unsigned i = 0; i < PS_NR_ORDERS_MAX; i++) {
		double d = fabs((double)sim_b[i] - (double)real_b[i]);

		g_test_message("free blocks order %2u: model %4" G_GUINT64_FORMAT
			       " kernel %4" G_GUINT64_FORMAT,
			       i, sim_b[i], real_b[i]);
		g_assert_cmpfloat(d, <=, m->order_current[i]);
	}
	check("free pages at high orders", pages_from(sim_b, m->high_from),
	      pages_from(real_b, m->high_from), 0.10);
	ps_test_rm_rf(out);

	/*
	 * The placements: realdata's kernel's parent (from the trace; its placement file
	 * agrees), every lab run's, and the recording's (on the x86 machine, the portable trace's
	 * records), each on one cpu up to mid or moved.
	 */
	memcpy(rec_b, sim_b, sizeof(rec_b));
	kernel_runs(srcdir, m->page_size, &all, &stayed, &moved, realdata_cpu);
	/* the import and the script's mm_page_alloc lines differ by a few (4K: 12 of 175,988) */
	for (int c = 0; c < LAB_CPUS; c++)
		g_assert_cmpfloat(fabs(rc.parent_cpu[c] - realdata_cpu[c]), <=,
				  0.001 * (rc.parent_cpu[0] + rc.parent_cpu[1]));
	g_test_message("realdata parent's allocations before mid: %.0f / %.0f (%.1f %% on one cpu)",
		       rc.parent_cpu[0], rc.parent_cpu[1], 100 * main_share(rc.parent_cpu));
	g_assert_cmpuint(main_share(rc.parent_cpu) >= STAYED_SHARE, ==, m->parent_stayed);
	recording_parent(trace, until_ns, rec_cpu);
	g_test_message("recording parent's records before mid: %.0f / %.0f (%.1f %% on one cpu)",
		       rec_cpu[0], rec_cpu[1], 100 * main_share(rec_cpu));
	g_assert_cmpfloat(main_share(rec_cpu), <, STAYED_SHARE);

	/*
	 * The sticky placement (pagesim run --placement=sticky): each task on one cpu (a child
	 * where fork balancing puts it, the parent on its first record's), never moved. Against the
	 * lab runs whose parent stayed (the regime it models), the recorded placement (the
	 * recording's parent moved) against the runs whose parent moved; the range over all runs is
	 * printed as context only.
	 */
	cJSON_Delete(replay_to_mid(m, dir, trace, until_ns, PS_PLACEMENT_STICKY, out, sim_b));
	ps_test_rm_rf(out);
	g_test_message("free blocks at mid per order: all %u runs | stayed %u runs, sticky | moved "
		       "%u runs, recorded | realdata (out: blocks outside the regime's range)",
		       all.n, stayed.n, moved.n);
	for (unsigned i = 0; i < PS_NR_ORDERS_MAX; i++) {
		double out_st = envelope_out(&stayed, i, sim_b[i]);
		double out_rec = envelope_out(&moved, i, rec_b[i]);
		char st_s[24] = "", rec_s[24] = "";

		if (!all.hi[i] && !rec_b[i] && !sim_b[i])
			continue;
		if (out_st)
			g_snprintf(st_s, sizeof(st_s), " out %+.0f", out_st);
		if (out_rec)
			g_snprintf(rec_s, sizeof(rec_s), " out %+.0f", out_rec);
		g_test_message("order %2u: %4" G_GUINT64_FORMAT "..%-4" G_GUINT64_FORMAT
			       " | %4" G_GUINT64_FORMAT "..%-4" G_GUINT64_FORMAT
			       " sticky %4" G_GUINT64_FORMAT "%-8s | %4" G_GUINT64_FORMAT
			       "..%-4" G_GUINT64_FORMAT " recorded %4" G_GUINT64_FORMAT
			       "%-8s | %4" G_GUINT64_FORMAT,
			       i, all.lo[i], all.hi[i], stayed.lo[i], stayed.hi[i], sim_b[i], st_s,
			       moved.lo[i], moved.hi[i], rec_b[i], rec_s, real_b[i]);
		if (m->envelope && (out_st || out_rec))
			g_test_message(
			    "OUT OF RANGE order %u: sticky %+.0f (held to %.0f), recorded "
			    "%+.0f (held to %.0f), bounds taken at %s",
			    i, out_st, m->stayed_out_current[i], out_rec, m->moved_out_current[i],
			    m->out_taken);
		if (m->envelope) {
			g_assert_cmpfloat(fabs(out_st), <=, m->stayed_out_current[i]);
			g_assert_cmpfloat(fabs(out_rec), <=, m->moved_out_current[i]);
		}
		g_assert_cmpfloat(fabs((double)sim_b[i] - (double)real_b[i]), <=,
				  m->sticky_current[i]);
	}
	/* where realdata's parent stayed on one cpu: nearer that kernel than the recorded one */
	for (unsigned i = m->toward_from; i <= m->toward_to; i++)
		g_assert_cmpfloat(fabs((double)sim_b[i] - (double)real_b[i]), <,
				  fabs((double)rec_b[i] - (double)real_b[i]));
	for (unsigned k = 0; k < m->nr_sticky_orders; k++) {
		unsigned i = m->sticky_orders[k];
		g_autofree char *what = g_strdup_printf("sticky: free blocks order %u", i);

		check(what, (double)sim_b[i], (double)real_b[i], 0.10);
	}
	check("sticky: free pages at high", pages_from(sim_b, m->high_from),
	      pages_from(real_b, m->high_from), 0.10);

	/* sticky is the recorded placement of the trace with each task's records on one cpu */
	if (m->check_rewrite) {
		g_autofree char *rewritten = g_build_filename(tmp_dir, "sticky.jsonl.gz", NULL);
		uint64_t rw_b[PS_NR_ORDERS_MAX];

		g_assert_cmpuint(tasks_on_first_cpu(trace, rewritten), >, 0);
		cJSON_Delete(
		    replay_to_mid(m, dir, rewritten, until_ns, PS_PLACEMENT_RECORDED, out, rw_b));
		for (unsigned i = 0; i < PS_NR_ORDERS_MAX; i++)
			g_assert_cmpuint(rw_b[i], ==, sim_b[i]);
		ps_test_rm_rf(rewritten);
		ps_test_rm_rf(out);
	}
}

/*
 * Issue 13 item 7b, another size and THP always (session 20): qemu-lab/churn.c with 256 MiB
 * recorded --portable natively with THP enabled=always (workloads/churn256-thp-portable.jsonl.gz,
 * workloads/README.md), replayed with thp always on the machine of each lab run of the same
 * program under THP always (tests/data/lab-churn-thp, SOURCE.md there: the lab's run.sh ran
 * churn-thp.c, which writes `always` to transparent_hugepage/enabled inside the guest and then
 * runs churn.c's main), run 1 of each size giving the machine, the starting snapshot and the
 * trace; the other runs' mid files the kernel's spread. The mid point: the first record of the
 * recording's first /snap.sh fork (THP_MID_PID), the first `sh` after churn in the lab traces.
 * The kernels' figures as above (real_counts on run 1's trace; THP faults also from every run's
 * thp_fault_alloc, mid.vmstat minus before.vmstat); none typed in.
 *
 * Held (asserted): THP faults inside the runs' range (4K 96 of 96..96, 64K 0 of 0..0: the 512 MiB
 * PMD is larger than any mapping; 16K 1 of 1..2: run 1's phase-F mapping held two aligned 32 MiB
 * ranges, the other runs' and the recording's one); within 10 % of run 1: anonymous faults (4K
 * +0.0 %, 16K +8.6 %, 64K +0.8 %; 16K's is run 1's second THP, 2,048 base-page faults fewer),
 * order-0 allocations (+0.1 %, +7.9 %, +0.9 %; the same), anonymous pages at mid (+5.3 %, +2.2 %,
 * +2.1 %), free pages + pcp at mid (+0.2 %, +0.9 %, +0.0 %; +0.4 % and -0.9 % at 16K and 64K
 * before the snapshot's pcp pages were put on the lists, snapshot-pcp.c's start_names_nothing)
 * and free pages in blocks of order >= 6 / 7 / 3 (+2.6 %, +4.3 %, -0.2 %; +3.8 %, -0.6 %
 * before).
 * Not held (asserted at the current distance, out_current: regression guards, not fidelity
 * claims): free blocks per order at mid against the range of the runs (4K 4 runs, 16K 4, 64K 4).
 * 4K is inside at every order but 1, 3 and 9 (one block each); 64K inside but at 1, 2 and 6 (one
 * block each; 4 in place of 6 before the pcp pages); 16K outside at 0 by 42 (258 against
 * 19..216), 2 by 10 (7 against 17..79), 5 by 1 and 7 by 2: 55 blocks. Before khugepaged
 * (sim/khugepaged.c, session 23) 16K was below the runs' range at orders 0..6 (0: 2 against
 * 19..216, 1: 2 against 25..224, 2: 1 against 17..79, 3, 4 and 5 by 3, 6 by 2; 67 blocks): the
 * kernels leave tens to hundreds of small blocks where the replay left a few; the collapse's
 * 1,496 freed order-0 pages (the recording's phase-A range, registered at the map that
 * completed it, as in 16k-1) now leave 258 order-0 blocks, above 16k-3's 216.
 * Why (session 21): the placement. The recording ran on a loaded machine, where the parent
 * (51,978 of its 51,980 records before mid) and the four phase-C children (4,698, 3,615 of
 * 4,695, 4,702 and 2,573 of 4,700) all ran mostly on cpu 0; every lab run but 4k-1 (three
 * and one) split the children two and two (each run's placement file,
 * tools/lab/churn-placement.py), and 3 of the 4 16K runs kept the parent on one cpu. Split
 * as test_machine splits churn 512's runs, the --placement=sticky replay (an idle machine's
 * placement: the children and the wrapper's vfork child `mount` placed by the fork rule)
 * against the runs whose parent stayed: 16K inside
 * at orders 0..2, 6..8, 10 and 11 (0: 51 against 31..216, 1: 29 against 25..224, 2: 22 against
 * 17..79), above at 3, 4, 5 by 6, 2, 1 (19 against 5..13, 12 against 3..10, 8 against 4..7)
 * and 9 by one: 10 blocks outside (17 before the snapshot's pcp pages were put on the lists:
 * 3, 4, 5 by 8, 7, 2), where the recorded placement is 67 outside all runs' range. With
 * khugepaged (session 23: one range of phase A collapsed at 0.29 s, as in 3 of the 4 16K lab
 * runs) sticky is outside at 4 by one (11 against 3..10) and 6 by one (3 against 4..8): 2
 * blocks (0: 105 against 31..216, 1: 58, 2: 77 against 17..79, 3: 10 against 5..13). 4K: sticky
 * outside the stayed runs (4k-3, 4k-4) at 5 and 9 by one, 8 by 2; 64K (every run stayed): at 3
 * by 4 (12 against 0..8; before the pcp pages at 4 by 3 and 6 by one). With the wrapper's
 * `mount` on the parent's cpu (its
 * recorded one, as before `forked_by`) sticky is outside by 16 at 16K (3 +8, 4 +4, 5 +2, 9 +1,
 * 10 -1), 0 at 4K and 1 at 64K (3 +1): the lab runs have no such task (run.sh starts churn
 * directly), so where it runs is the replay's artefact either way. Held at the first
 * figures (sticky_out_current); the recorded placement against the runs whose parent moved
 * (4K 4k-1, 4k-2; 16K 16k-4 alone; 64K none) printed. Sticky's 16K excess at orders 3..5 is left,
 * and it is not the children's split: sticky puts three of them on the other cpu and one beside the
 * parent (replay.c's header), the lab runs two and two (other, other, parent, parent); the trace
 * rewritten to that split (each task's records on those cpus, replayed recorded) leaves 16K orders
 * 0..6 at 91, 47, 35, 26, 22, 10, 5, further above at 3..5 (64K: the same blocks as sticky's).
 */
#define THP_MID_PID	    32152 /* churn256-thp-portable's /snap.sh mid fork */
#define THP_FIRST_CHILD_PID 32125 /* ... its first phase-C child */

typedef struct {
	uint32_t page_size;
	double order0_bound, anon_bound, free_bound; /* |sim/real - 1| against run 1 */
	double high_bound; /* the same, free pages at orders >= high_from */
	unsigned high_from;
	/* blocks outside the runs' range, held at the model's distance when out_taken was: a
	 * regression guard, not a kernel fact; each order outside is told on every run */
	double out_current[PS_NR_ORDERS_MAX];
	const char *out_taken; /* the commit out_current was measured at */
	/* the same for the sticky replay against the runs whose parent stayed on one cpu */
	double sticky_out_current[PS_NR_ORDERS_MAX];
	const char *sticky_out_taken;
} ThpMachine;

static const ThpMachine thp_machines[] = {
    {4096,
     0.10,
     0.10,
     0.10,
     0.10,
     6,
     {0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0},
     "1eba081",
     {0, 0, 0, 0, 0, 1, 0, 0, 2, 1, 0},
     "1db3334"},
    /*
     * a3971cf (khugepaged): sticky 10 blocks outside -> 2; recorded order 0 17 -> 42 and order
     * 7 0 -> 2: the collapse frees 1,496 order-0 pages on cpu 0 at 0.29 s and they stay apart
     * (16k-3, whose kernel also collapsed, has 216 order-0 blocks at mid against the model's 258)
     */
    {16384,
     0.10,
     0.10,
     0.10,
     0.10,
     7,
     {42, 0, 10, 0, 0, 1, 0, 2, 0, 0, 0, 0},
     "a3971cf",
     {0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0},
     "a3971cf"},
    {65536,
     0.10,
     0.10,
     0.10,
     0.10,
     3,
     {0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0},
     "23246c0",
     {0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0},
     "23246c0"},
};

/* The runs PS-N of tests/data/lab-churn-thp, sorted. */
static GPtrArray *thp_runs(const char *root, uint32_t page_size)
{
	g_autofree char *prefix = g_strdup_printf("%uk-", page_size / 1024);
	g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)))
		if (g_str_has_prefix(name, prefix))
			g_ptr_array_add(names, g_build_filename(root, name, NULL));
	g_ptr_array_sort(names, cmp_str);
	g_assert_cmpuint(names->len, >=, 2);
	return names;
}

static double run_file_value(const char *run, const char *file, const char *name)
{
	g_autofree char *p = g_build_filename(run, file, NULL);

	return (double)ps_test_vmstat_file(p, name);
}

/* Free pages (buddy) plus the pcp lists' pages of a run at mid. */
static double run_free_mid(const char *run)
{
	g_autofree char *mz = g_build_filename(run, "mid.zoneinfo", NULL);

	return run_file_value(run, "mid.vmstat", "nr_free_pages") + pcp_pages(mz);
}

/* sim against run 1's kernel, and where it lies in [lo, hi] over the runs */
static void check_range(const char *what, double sim, double real, double lo, double hi,
			double bound)
{
	g_test_message("%-28s model %10.0f kernel run 1 %10.0f (%+6.1f %%), runs %.0f..%.0f", what,
		       sim, real, real ? 100 * (sim / real - 1) : 0, lo, hi);
	if (bound >= 0)
		check(what, sim, real, bound);
}

static void test_thp_always(gconstpointer data)
{
	const ThpMachine *m = data;
	const char *srcdir = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *root = g_build_filename(srcdir, "tests", "data", "lab-churn-thp", NULL);
	g_autofree char *trace =
	    g_build_filename(srcdir, "workloads", "churn256-thp-portable.jsonl.gz", NULL);
	g_autofree char *out = NULL, *before = NULL, *bi = NULL, *p = NULL;
	g_autoptr(GPtrArray) runs = thp_runs(root, m->page_size);
	const char *run1 = g_ptr_array_index(runs, 0);
	g_autoptr(cJSON) sum = NULL;
	uint64_t sim_b[PS_NR_ORDERS_MAX], real_b[PS_NR_ORDERS_MAX], sticky_b[PS_NR_ORDERS_MAX];
	double faults = 0, thp[PS_NR_ORDERS_MAX] = {0}, thp_sim = 0, thp_real = 0;
	double anon_lo = INFINITY, anon_hi = 0, free_lo = INFINITY, free_hi = 0;
	double thpf_lo = INFINITY, thpf_hi = 0, high_lo = INFINITY, high_hi = 0;
	double coll_lo = INFINITY, coll_hi = 0, coll_sim;
	Envelope env, stayed, moved;
	RealCounts rc;
	PsConfig *cfg;

	memset(&env, 0, sizeof(env));
	memset(&stayed, 0, sizeof(stayed));
	memset(&moved, 0, sizeof(moved));
	for (unsigned k = 0; k < runs->len; k++) {
		const char *run = g_ptr_array_index(runs, k);
		g_autofree char *rb = g_build_filename(run, "mid.buddyinfo", NULL);
		g_autofree char *pl = g_build_filename(run, "placement", NULL);
		uint64_t b[PS_NR_ORDERS_MAX];
		double cpu[LAB_CPUS];
		double a = run_file_value(run, "mid.vmstat", "nr_anon_pages");
		double fr = run_free_mid(run);
		double t = run_file_value(run, "mid.vmstat", "thp_fault_alloc") -
			   run_file_value(run, "before.vmstat", "thp_fault_alloc");
		double c = run_file_value(run, "mid.vmstat", "thp_collapse_alloc") -
			   run_file_value(run, "before.vmstat", "thp_collapse_alloc");

		ps_test_buddyinfo_dma(rb, b);
		envelope_add(&env, b);
		placement_parent(pl, cpu);
		g_test_message(
		    "run %-6s parent's allocations before mid %6.0f / %6.0f (%5.1f %% on "
		    "one cpu): %s",
		    run + strlen(root) + 1, cpu[0], cpu[1], 100 * main_share(cpu),
		    main_share(cpu) >= STAYED_SHARE ? "stayed" : "moved");
		envelope_add(main_share(cpu) >= STAYED_SHARE ? &stayed : &moved, b);
		anon_lo = MIN(anon_lo, a);
		anon_hi = MAX(anon_hi, a);
		free_lo = MIN(free_lo, fr);
		free_hi = MAX(free_hi, fr);
		thpf_lo = MIN(thpf_lo, t);
		thpf_hi = MAX(thpf_hi, t);
		coll_lo = MIN(coll_lo, c);
		coll_hi = MAX(coll_hi, c);
		high_lo = MIN(high_lo, pages_from(b, m->high_from));
		high_hi = MAX(high_hi, pages_from(b, m->high_from));
		if (!k)
			memcpy(real_b, b, sizeof(b));
	}

	out = g_build_filename(tmp_dir, "thp", NULL);
	before = g_build_filename(run1, "before.kpageflags.gz", NULL);
	bi = g_build_filename(out, "buddyinfo", NULL);
	cfg = ps_test_config_from_dir(run1, LAB_CPUS);
	g_assert_cmpuint(cfg->spec.page_size, ==, m->page_size);
	/* the runs' after.thp: enabled [always] (before.zoneinfo cannot say; churn-thp.c set it) */
	g_assert_true(cfg->spec.thp_built);
	cfg->spec.thp_mode = 2;
	sum = ps_test_policy_run_placed(cfg, trace, before, run1, out,
					ps_test_first_record_ns(trace, THP_MID_PID),
					PS_PLACEMENT_RECORDED);
	ps_config_free(cfg);
	ps_test_buddyinfo_dma(bi, sim_b);

	real_counts(run1, m->page_size, &rc);
	faults = churn_faults(sum, m->page_size, thp);
	for (unsigned i = 1; i < PS_NR_ORDERS_MAX; i++) {
		faults -= thp[i];
		thp_sim += thp[i];
		thp_real += rc.thp[i];
	}
	check("anonymous faults", faults, rc.anon_faults, 0.10);
	for (unsigned i = 1; i < PS_NR_ORDERS_MAX; i++) {
		g_autofree char *what = g_strdup_printf("THP faults order %u", i);

		if (thp[i] || rc.thp[i])
			g_test_message("%-28s model %10.0f kernel run 1 %10.0f", what, thp[i],
				       rc.thp[i]);
	}
	/* by where mmap put phase F's 66 MiB at 16K (1 or 2 aligned 32 MiB ranges): the runs' range
	 */
	check_range("THP faults", thp_sim, thp_real, thpf_lo, thpf_hi, -1);
	/*
	 * khugepaged (sim/khugepaged.c): collapses before mid inside the runs' range (16K: one
	 * range of phase A's merged mapping in 3 of 4 runs; 4K: its one pass came at the first THP
	 * fault, the next is 10 s on; 64K: no mapping holds a 512 MiB range), and where run 1
	 * collapsed, the replay did too, in phase A as the kernel (before phase C's first fork)
	 */
	coll_sim = num(sum, "vm_events.thp_collapse_alloc");
	check_range("khugepaged collapses", coll_sim, rc.collapses, coll_lo, coll_hi, -1);
	g_assert_cmpfloat(coll_sim, >=, coll_lo);
	g_assert_cmpfloat(coll_sim, <=, coll_hi);
	if (rc.collapses) {
		uint64_t at = (uint64_t)num(sum, "totals.khugepaged_first_collapse_ns");

		g_test_message("first collapse: model at %.3f s, first child at %.3f s; kernel run "
			       "1 at %.3f s, first child at %.3f s",
			       at / 1e9, ps_test_first_record_ns(trace, THP_FIRST_CHILD_PID) / 1e9,
			       rc.collapse_ns / 1e9, rc.first_child_ns / 1e9);
		g_assert_cmpuint(rc.collapse_ns, <, rc.first_child_ns);
		g_assert_cmpfloat(coll_sim, >=, 1);
		g_assert_cmpuint(at, <, ps_test_first_record_ns(trace, THP_FIRST_CHILD_PID));
	}
	g_assert_cmpfloat(thp_sim, >=, thpf_lo);
	g_assert_cmpfloat(thp_sim, <=, thpf_hi);
	{
		double o0 = num(sum, "totals.allocs");

		for (unsigned i = 1; i < PS_NR_ORDERS_MAX; i++)
			o0 -= thp[i];
		check("order-0 allocations", o0, rc.order0, m->order0_bound);
	}
	p = g_build_filename(out, "vmstat", NULL);
	check_range("anonymous pages at mid", (double)ps_test_vmstat_file(p, "nr_anon_pages"),
		    run_file_value(run1, "mid.vmstat", "nr_anon_pages"), anon_lo, anon_hi,
		    m->anon_bound);
	check_range("free pages + pcp at mid",
		    (double)ps_test_vmstat_file(p, "nr_free_pages") +
			num(cJSON_GetArrayItem(cJSON_GetObjectItem(sum, "final"), 0), "pcp_pages"),
		    run_free_mid(run1), free_lo, free_hi, m->free_bound);
	for (unsigned i = 0; i < PS_NR_ORDERS_MAX; i++) {
		double o = envelope_out(&env, i, sim_b[i]);

		if (!env.hi[i] && !sim_b[i])
			continue;
		g_test_message("free blocks order %2u: model %4" G_GUINT64_FORMAT
			       " kernel run 1 %4" G_GUINT64_FORMAT " runs %4" G_GUINT64_FORMAT
			       "..%-4" G_GUINT64_FORMAT " out %+.0f",
			       i, sim_b[i], real_b[i], env.lo[i], env.hi[i], o);
		if (o)
			g_test_message("OUT OF RANGE order %u: model %" G_GUINT64_FORMAT
				       " runs %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
				       " out %+.0f, held to %.0f taken at %s",
				       i, sim_b[i], env.lo[i], env.hi[i], o, m->out_current[i],
				       m->out_taken);
		g_assert_cmpfloat(fabs(o), <=, m->out_current[i]);
	}
	check_range("free pages at high orders", pages_from(sim_b, m->high_from),
		    pages_from(real_b, m->high_from), high_lo, high_hi, m->high_bound);
	ps_test_rm_rf(out);

	/*
	 * By placement regime, as test_machine splits churn 512's runs: --placement=sticky (an
	 * idle machine's placement) against the runs whose parent stayed on one cpu; the recorded
	 * placement (a loaded machine's: the parent and all four phase-C children mostly on cpu 0)
	 * against those whose parent moved, printed.
	 */
	cfg = ps_test_config_from_dir(run1, LAB_CPUS);
	cfg->spec.thp_mode = 2;
	cJSON_Delete(ps_test_policy_run_placed(cfg, trace, before, run1, out,
					       ps_test_first_record_ns(trace, THP_MID_PID),
					       PS_PLACEMENT_STICKY));
	ps_config_free(cfg);
	ps_test_buddyinfo_dma(bi, sticky_b);
	g_assert_cmpuint(stayed.n, >=, 1);
	g_test_message("free blocks at mid per order: stayed %u runs, sticky | moved %u runs, "
		       "recorded",
		       stayed.n, moved.n);
	for (unsigned i = 0; i < PS_NR_ORDERS_MAX; i++) {
		double o = envelope_out(&stayed, i, sticky_b[i]);
		char mv[48] = " -";

		if (!env.hi[i] && !sim_b[i] && !sticky_b[i])
			continue;
		if (moved.n)
			g_snprintf(mv, sizeof(mv),
				   " %4" G_GUINT64_FORMAT "..%-4" G_GUINT64_FORMAT
				   " recorded %4" G_GUINT64_FORMAT " out %+.0f",
				   moved.lo[i], moved.hi[i], sim_b[i],
				   envelope_out(&moved, i, sim_b[i]));
		g_test_message("order %2u: %4" G_GUINT64_FORMAT "..%-4" G_GUINT64_FORMAT
			       " sticky %4" G_GUINT64_FORMAT " out %+.0f |%s",
			       i, stayed.lo[i], stayed.hi[i], sticky_b[i], o, mv);
		if (o)
			g_test_message(
			    "OUT OF RANGE order %u: sticky %+.0f, held to %.0f taken at %s", i, o,
			    m->sticky_out_current[i], m->sticky_out_taken);
		g_assert_cmpfloat(fabs(o), <=, m->sticky_out_current[i]);
	}
	ps_test_rm_rf(out);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-test-churn-XXXXXX");
	g_test_add_data_func("/sim/churn-portable/4k", &machines[0], test_machine);
	g_test_add_data_func("/sim/churn-portable/16k", &machines[1], test_machine);
	g_test_add_data_func("/sim/churn-portable/64k", &machines[2], test_machine);
	g_test_add_data_func("/sim/churn-portable/thp-always/4k", &thp_machines[0],
			     test_thp_always);
	g_test_add_data_func("/sim/churn-portable/thp-always/16k", &thp_machines[1],
			     test_thp_always);
	g_test_add_data_func("/sim/churn-portable/thp-always/64k", &thp_machines[2],
			     test_thp_always);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	return rc;
}
