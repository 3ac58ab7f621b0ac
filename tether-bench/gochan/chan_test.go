// Package gochan measures Go's own channels with the two workloads of ChannelBench, as a reference for the
// Tether numbers in docs/benchmarks.md:
//
//	cd tether-bench/gochan && go test -bench . -count 5 -benchtime 2000000x
//
// BenchmarkPingPong reports ns per round trip (two one-way messages; ChannelBench reports ns per one-way
// message); BenchmarkBuffered16 reports ns per message.
package gochan

import "testing"

// BenchmarkPingPong: the benchmark goroutine sends on ping, a second goroutine answers on pong.
func BenchmarkPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- 7
		if <-pong != 7 {
			b.Fatal("wrong value")
		}
	}
	close(ping)
}

// BenchmarkBuffered16: the benchmark goroutine produces into a buffer of 16, a second goroutine consumes.
func BenchmarkBuffered16(b *testing.B) {
	ch := make(chan int, 16)
	done := make(chan int)
	go func() {
		n := 0
		for range ch {
			n++
		}
		done <- n
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ch <- 7
	}
	close(ch)
	if n := <-done; n != b.N {
		b.Fatalf("received %d of %d", n, b.N)
	}
}
