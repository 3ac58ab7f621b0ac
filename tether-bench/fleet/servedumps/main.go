// Command servedumps serves each dump file of a directory as the /debug/pprof/goroutine endpoint of its own
// loopback port: 100 HTTP targets whose dumps cost the server nothing to produce, so that a scan of them measures
// the scanner (fetching, reading, analysing), not the Go runtime writing goroutine dumps on the same cores.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	dir := flag.String("dir", "", "directory of dump files, one endpoint each")
	addrs := flag.String("addrs", "", "file to write the endpoints' URLs to, one per line")
	flag.Parse()
	files, err := filepath.Glob(filepath.Join(*dir, "*"))
	if err != nil || len(files) == 0 {
		log.Fatalf("servedumps: no files in %q", *dir)
	}
	sort.Strings(files)
	var urls []string
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		urls = append(urls, fmt.Sprintf("http://%s/debug/pprof/goroutine", ln.Addr()))
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write(body)
		}))
	}
	// Written under a temporary name and renamed, so that a reader never sees half a list.
	tmp := *addrs + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(urls, "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(tmp, *addrs); err != nil {
		log.Fatal(err)
	}
	select {}
}
