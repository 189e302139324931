package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServe starts sgm serve on a free loopback port, reads its URL, asks
// the API, and stops it as Ctrl-C does (a cancelled context): it exits 0.
func TestServe(t *testing.T) {
	for _, c := range []struct{ addr, warn string }{
		{"127.0.0.1:0", ""},
		{"0.0.0.0:0", "WARNING: listening on"},
	} {
		t.Run(c.addr, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			outR, outW := io.Pipe()
			var stderr strings.Builder
			code := make(chan int, 1)
			go func() {
				code <- run(ctx, []string{"serve", "--addr", c.addr}, outW, &stderr)
				outW.Close()
			}()
			sc := bufio.NewScanner(outR)
			if !sc.Scan() {
				t.Fatalf("no URL printed; stderr %s", stderr.String())
			}
			url := regexp.MustCompile(`http://[^ ]+/`).FindString(sc.Text())
			if c.warn == "" && !strings.HasPrefix(url, "http://127.0.0.1:") {
				t.Fatalf("printed %q", sc.Text())
			}
			url = strings.Replace(url, "0.0.0.0", "127.0.0.1", 1)
			go io.Copy(io.Discard, outR)
			res, err := http.Get(url + "api/info")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("GET /api/info: %d", res.StatusCode)
			}
			cancel()
			select {
			case got := <-code:
				if got != 0 {
					t.Errorf("exit %d, stderr %s", got, stderr.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("sgm serve did not stop within 10 s of the interrupt")
			}
			if c.warn != "" && !strings.Contains(stderr.String(), c.warn) {
				t.Errorf("stderr %q, want a warning %q", stderr.String(), c.warn)
			}
		})
	}
}

// TestServeBadFlags checks one-line errors naming the flag: status 2 for
// an address that is not HOST:PORT, 1 for one that cannot be listened on.
func TestServeBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--addr", "nonsense"}, 2, `--addr "nonsense"`},
		{[]string{"serve", "--addr", "127.0.0.1:99999"}, 1, `--addr "127.0.0.1:99999"`},
	} {
		code, _, stderr := runSGM(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
}
