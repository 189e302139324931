package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
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

// TestServeInterrupt runs sgm serve as a process, starts a long training
// job through the API and sends an interrupt (Ctrl-C): the job stops, the
// process exits 0 within seconds, saying so, and leaves nothing in its
// temporary directory.
func TestServeInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainProcess$", "--", "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "SGM_TEST_MAIN=1", "TMPDIR="+tmp)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("no URL printed; stderr %s", stderr.String())
	}
	url := regexp.MustCompile(`http://[^ ]+/`).FindString(sc.Text())
	res, err := http.Post(url+"api/train", "application/json", strings.NewReader(`{"target":{"preset":"seed-mog"},"steps":20000,"width":8,"batch":16,"every":5}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := bufio.NewScanner(res.Body)
	for events.Scan() && !strings.HasPrefix(events.Text(), "event: progress") {
	}
	if !strings.HasPrefix(events.Text(), "event: progress") {
		t.Fatalf("no progress event from the training job: %q", events.Text())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	done := make(chan error, 1)
	go func() {
		for sc.Scan() {
			rest.WriteString(sc.Text() + "\n")
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sgm serve: %v; stderr %s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("sgm serve still runs 20 s after the interrupt")
	}
	if !strings.Contains(rest.String(), "stopped") {
		t.Errorf("stdout after the interrupt %q, want a line saying it stopped", rest.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left %d files in its temporary directory, the first %s", len(left), left[0].Name())
	}
}
