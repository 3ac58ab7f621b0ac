// Command leaky is a Go service that has leaked goroutines the way real services do, for benchmarking a
// fleet-wide leak scan (tether-leakprof) against real Go runtimes rather than synthetic dumps.
//
// It starts -goroutines goroutines spread over a dozen leak sites (forgotten senders, receivers on channels
// nobody closes, selects with no ready case, a WaitGroup missing a Done, a mutex never unlocked, a nil channel)
// plus benign ones (sleepers, idle connection readers) that a leak scanner should not report. -seed changes how
// many goroutines each site gets, so a fleet of instances differs the way real replicas do.
//
// With -dump FILE it writes a debug=2 goroutine dump once every goroutine is parked, and exits. Otherwise it
// serves net/http/pprof on -ports loopback listeners and writes their goroutine-profile URLs to -addrs.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof" // the endpoints under test
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ready counts goroutines that have not yet reached their blocking operation. Each leaking goroutine calls
// ready.Done() immediately before it blocks, so after ready.Wait() only the last few instructions remain.
var ready sync.WaitGroup

// site is one place in the code that leaks (or parks benignly); weight is its share before the seed perturbs it.
type site struct {
	name   string
	weight float64
	spawn  func(n int, r *rand.Rand)
}

var sites = []site{
	// Forgotten senders on unbuffered channels: the commonest Go leak, so the largest group, at several sites.
	{"sender/fetchProfile", 14, func(n int, r *rand.Rand) {
		users := &userService{}
		repeat(n, func() { users.fetchProfile(r.Int()) })
	}},
	{"sender/fanOut", 12, spawnFanOut},
	{"sender/checksum", 8, func(n int, r *rand.Rand) {
		h := &uploadHandler{}
		repeat(n, func() { _ = h.store(make([]byte, 64)) })
	}},
	{"sender/pipeline", 8, func(n int, r *rand.Rand) {
		repeat(n, func() { (&pipeline{stages: 1 + r.Intn(3)}).first() })
	}},
	{"sender/treeWalk", 4, func(n int, r *rand.Rand) {
		repeat(n, func() { (&treeWalker{}).Walk(30 + r.Intn(31)) })
	}},
	// Receivers on channels that are never closed.
	{"receiver/eventBus", 8, func(n int, r *rand.Rand) { repeat(n, (&eventBus{}).Subscribe) }},
	{"receiver/invalidator", 6, func(n int, r *rand.Rand) { repeat(n, func() { newCache().startInvalidator() }) }},
	// Selects where no case will ever be ready.
	{"select/connWatch", 6, func(n int, r *rand.Rand) { repeat(n, (&connPool{}).open) }},
	{"select/retrier", 5, func(n int, r *rand.Rand) { repeat(n, func() { newRetrier().start() }) }},
	{"select/forever", 0.3, func(n int, r *rand.Rand) { repeat(n, startBackground) }},
	// Request goroutines, behind a middleware chain of varying depth, stuck on sync primitives.
	{"semacquire/waitGroup", 5, func(n int, r *rand.Rand) {
		b := &batcher{}
		repeat(n, func() { serve(r, b.flush) })
	}},
	{"semacquire/mutex", 5, spawnMutexWaiters},
	{"nilchan/notifier", 3, func(n int, r *rand.Rand) { repeat(n, func() { (&notifier{}).start() }) }},
	// Benign: a scanner should filter these out.
	{"benign/sleep", 6, func(n int, r *rand.Rand) {
		repeat(n, func() { (&healthChecker{interval: time.Hour}).start() })
	}},
	{"benign/ioWait", 3, spawnIdleConns},
}

func main() {
	total := flag.Int("goroutines", 10000, "goroutines to start, benign ones included")
	seed := flag.Int64("seed", 1, "varies the number of goroutines per site between instances")
	ports := flag.Int("ports", 1, "loopback listeners serving net/http/pprof (ignored with -dump)")
	dump := flag.String("dump", "", "write a debug=2 goroutine dump to this file and exit")
	addrs := flag.String("addrs", "", "write the goroutine-profile URLs to this file, one per line, then serve")
	verbose := flag.Bool("v", false, "print the goroutines per site to stderr")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("leaky: ")

	counts := plan(*total, *seed)
	if *verbose {
		for i, s := range sites {
			fmt.Fprintf(os.Stderr, "%6d %s\n", counts[i], s.name)
		}
	}
	r := rand.New(rand.NewSource(*seed))
	for i, s := range sites {
		ready.Add(counts[i])
		s.spawn(counts[i], r)
	}
	ready.Wait()
	if err := waitParked(10 * time.Second); err != nil {
		log.Fatal(err)
	}

	if *dump != "" {
		if err := writeDump(*dump); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := listen(*ports, *addrs); err != nil {
		log.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}

// plan splits total over the sites: each weight is scaled by a seeded factor in [0.5, 1.5), so instances differ
// per site while the mix stays recognisable. Rounding leftovers go to the first site.
func plan(total int, seed int64) []int {
	r := rand.New(rand.NewSource(seed ^ 0x5eed))
	weights := make([]float64, len(sites))
	sum := 0.0
	for i, s := range sites {
		weights[i] = s.weight * (0.5 + r.Float64())
		sum += weights[i]
	}
	counts := make([]int, len(sites))
	assigned := 0
	for i := range sites {
		counts[i] = int(float64(total) * weights[i] / sum)
		assigned += counts[i]
	}
	counts[0] += total - assigned
	return counts
}

func repeat(n int, f func()) {
	for i := 0; i < n; i++ {
		f()
	}
}

// waitParked returns once no goroutine but this one is running or runnable. ready.Wait() alone leaves a window
// between a goroutine's Done and its park (and mutex waiters spin before parking); a dump taken in that window
// would show "runnable" goroutines no real leak has. Polling the dump is exact, and costs a few milliseconds.
func waitParked(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n == len(buf) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		busy := bytes.Count(buf[:n], []byte(" [running]:\n")) + bytes.Count(buf[:n], []byte(" [runnable]:\n"))
		if busy <= 1 { // this goroutine is always running
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d goroutines still running after %v", busy-1, limit)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func writeDump(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := pprof.Lookup("goroutine").WriteTo(w, 2); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// listen serves http.DefaultServeMux (where net/http/pprof registered itself) on n loopback ports. The addrs
// file is written to a temporary name and renamed, so a script polling it never reads half a list.
func listen(n int, addrs string) error {
	var urls []string
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{ReadHeaderTimeout: 10 * time.Second}
		go func() { log.Fatal(srv.Serve(ln)) }()
		urls = append(urls, "http://"+ln.Addr().String()+"/debug/pprof/goroutine")
	}
	list := strings.Join(urls, "\n") + "\n"
	if addrs == "" {
		fmt.Print(list)
		return nil
	}
	tmp := filepath.Join(filepath.Dir(addrs), "."+filepath.Base(addrs)+".tmp")
	if err := os.WriteFile(tmp, []byte(list), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, addrs)
}

// ---- Forgotten senders ----------------------------------------------------------------------------------------

type profile struct{ id int }

type userService struct{}

// fetchProfile is the textbook leak: the caller gives up (a timeout, here immediately) and stops listening, and
// the goroutine that would have delivered the result blocks forever on the unbuffered channel.
func (s *userService) fetchProfile(id int) {
	result := make(chan profile)
	go func() {
		p := s.load(id)
		ready.Done()
		result <- p
	}()
}

func (s *userService) load(id int) profile { return profile{id: id} }

// spawnFanOut queries several shards and keeps the first answer; the other shards' goroutines leak on their
// send. The winner is counted too (it calls Done before it sends), so n is exactly the number left blocked.
func spawnFanOut(n int, r *rand.Rand) {
	s := &searchHandler{}
	for n > 0 {
		shards := 3 + r.Intn(6)
		if shards-1 > n {
			shards = n + 1
		}
		ready.Add(1) // the winner
		s.fanOut(shards)
		n -= shards - 1
	}
}

type searchHandler struct{}

type hits []int

func (s *searchHandler) fanOut(shards int) hits {
	results := make(chan hits)
	for i := 0; i < shards; i++ {
		go s.queryShard(i, results)
	}
	return <-results
}

func (s *searchHandler) queryShard(shard int, results chan<- hits) {
	h := s.rank(shard)
	ready.Done()
	results <- h
}

func (s *searchHandler) rank(shard int) hits { return hits{shard} }

type uploadHandler struct{}

// store returns early on a validation error without reading errc, leaving checksum blocked in its send.
func (h *uploadHandler) store(data []byte) error {
	errc := make(chan error)
	go h.checksum(data, errc)
	if len(data) < 1024 {
		return errors.New("upload too small")
	}
	return <-errc
}

func (h *uploadHandler) checksum(data []byte, errc chan<- error) {
	errc <- h.hashChunks(data)
}

func (h *uploadHandler) hashChunks(data []byte) error {
	var sum byte
	for _, b := range data {
		sum += b
	}
	ready.Done()
	return nil
}

// pipeline's consumer takes the first item and walks away; the producer is blocked a few calls deep.
type pipeline struct{ stages int }

func (p *pipeline) first() int {
	out := make(chan int)
	go p.produce(out)
	return <-out
}

func (p *pipeline) produce(out chan<- int) {
	first := true
	for item := 0; ; item++ {
		if !first {
			ready.Done()
		}
		first = false
		p.transform(out, item, p.stages)
	}
}

func (p *pipeline) transform(out chan<- int, item, stages int) {
	if stages > 0 {
		p.transform(out, item*2, stages-1)
		return
	}
	p.emit(out, item)
}

func (p *pipeline) emit(out chan<- int, item int) { out <- item }

// treeWalker leaks from deep inside a recursion, which gives the dumps the long stacks real parsers must handle.
type treeWalker struct{}

func (t *treeWalker) Walk(depth int) {
	leaves := make(chan int)
	go t.walk(leaves, depth)
}

func (t *treeWalker) walk(leaves chan<- int, depth int) {
	if depth == 0 {
		ready.Done()
		leaves <- depth
		return
	}
	t.walk(leaves, depth-1)
}

// ---- Receivers on channels never closed -----------------------------------------------------------------------

type event struct{ name string }

type eventBus struct {
	mu   sync.Mutex
	subs []chan event
}

// Subscribe's consumers range over a channel Unsubscribe would have closed; nobody calls it.
func (b *eventBus) Subscribe() {
	ch := make(chan event)
	b.mu.Lock()
	b.subs = append(b.subs, ch)
	b.mu.Unlock()
	go func() {
		ready.Done()
		for ev := range ch {
			b.handle(ev)
		}
	}()
}

func (b *eventBus) handle(event) {}

type cache struct {
	stop chan struct{}
}

func newCache() *cache { return &cache{stop: make(chan struct{})} }

// startInvalidator waits for a Close that the owner of a per-request cache never calls.
func (c *cache) startInvalidator() { go c.invalidator() }

func (c *cache) invalidator() { c.waitStop() }

func (c *cache) waitStop() {
	ready.Done()
	<-c.stop
}

// ---- Selects with no ready case -------------------------------------------------------------------------------

type connPool struct {
	cancels []context.CancelFunc // kept, never called: the leak
}

func (p *connPool) open() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancels = append(p.cancels, cancel)
	closed := make(chan struct{})
	go p.watch(ctx, closed)
}

func (p *connPool) watch(ctx context.Context, closed <-chan struct{}) {
	ready.Done()
	select {
	case <-ctx.Done():
	case <-closed:
	}
}

type retrier struct {
	requests chan func() error
	quit     chan struct{}
}

func newRetrier() *retrier {
	return &retrier{requests: make(chan func() error), quit: make(chan struct{})}
}

func (r *retrier) start() { go r.loop() }

func (r *retrier) loop() {
	ready.Done()
	for {
		select {
		case req := <-r.requests:
			_ = req()
		case <-r.quit:
			return
		}
	}
}

// startBackground parks a goroutine with select{} "to keep it alive", a pattern that only makes sense in main.
func startBackground() {
	go func() {
		ready.Done()
		select {}
	}()
}

// ---- Request goroutines stuck on sync primitives --------------------------------------------------------------

// serve runs h as a request goroutine behind a random middleware chain, so stacks at one site vary in depth as
// they do across routes in a real server.
func serve(r *rand.Rand, h func()) {
	chain := h
	for _, mw := range []func(func()) func(){recoverer, logging, auth, metrics, tracing} {
		if r.Intn(2) == 0 {
			chain = mw(chain)
		}
	}
	go chain()
}

func recoverer(next func()) func() { return func() { defer func() { _ = recover() }(); next() } }
func logging(next func()) func()   { return func() { next() } }
func auth(next func()) func()      { return func() { next() } }
func metrics(next func()) func()   { return func() { next() } }
func tracing(next func()) func()   { return func() { next() } }

type batcher struct{}

// flush waits for its writers, one of which returns on an error path without calling Done.
func (b *batcher) flush() {
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go b.write(&wg, i)
	}
	ready.Done()
	wg.Wait()
}

func (b *batcher) write(wg *sync.WaitGroup, i int) {
	if i == 1 {
		return // the bug: an early return that skips wg.Done()
	}
	wg.Done()
}

type accountStore struct {
	mu       sync.Mutex
	balances map[int]int
}

// lockAndFail takes the lock and returns on an error path without unlocking it.
func (s *accountStore) lockAndFail() error {
	s.mu.Lock()
	if s.balances == nil {
		return errors.New("store not loaded")
	}
	s.mu.Unlock()
	return nil
}

func (s *accountStore) update(id, delta int) {
	ready.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balances[id] += delta
}

// spawnMutexWaiters spreads request goroutines over a few stores whose mutex was left locked.
func spawnMutexWaiters(n int, r *rand.Rand) {
	stores := make([]*accountStore, 1+r.Intn(3))
	for i := range stores {
		stores[i] = &accountStore{}
		_ = stores[i].lockAndFail()
	}
	repeat(n, func() {
		s, id := stores[r.Intn(len(stores))], r.Int()
		serve(r, func() { s.update(id, 1) })
	})
}

type notifier struct {
	events chan event // never made: receiving from a nil channel blocks forever
}

func (nt *notifier) start() { go nt.run() }

func (nt *notifier) run() {
	ready.Done()
	for ev := range nt.events {
		_ = ev
	}
}

// ---- Benign -------------------------------------------------------------------------------------------------

type healthChecker struct{ interval time.Duration }

func (c *healthChecker) start() { go c.loop() }

func (c *healthChecker) loop() {
	c.probe()
	ready.Done()
	for {
		time.Sleep(c.interval)
		c.probe()
	}
}

func (c *healthChecker) probe() {}

// spawnIdleConns opens n loopback connections and parks a reader on the server side of each, as a server's
// idle keep-alive connections do: they sit in the network poller ("IO wait"), which is not a leak.
func spawnIdleConns(n int, r *rand.Rand) {
	if n == 0 {
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			log.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		// Both ends stay referenced, as a server's connection table would hold them: a client end that became
		// garbage would be closed by its finalizer and end the reader.
		idleConns = append(idleConns, c, s)
		go (&keepAlive{conn: s}).serve()
	}
}

var idleConns []net.Conn

type keepAlive struct{ conn net.Conn }

func (k *keepAlive) serve() {
	br := bufio.NewReader(k.conn)
	ready.Done()
	for {
		if _, err := k.readRequest(br); err != nil {
			// Nobody writes or closes these connections: an error here means the benign group shrank, so say so.
			log.Printf("idle connection %v ended: %v", k.conn.LocalAddr(), err)
			return
		}
	}
}

func (k *keepAlive) readRequest(br *bufio.Reader) (string, error) { return br.ReadString('\n') }
