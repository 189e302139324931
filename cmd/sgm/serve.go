package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/sgm-dev/sgm/serve"
)

func init() {
	register(&command{
		name:    "serve",
		args:    "[--addr HOST:PORT] [--model DIR]",
		summary: "the explorer: a local web page to see targets, scores, samplers and training at work",
		detail: `Serves one page and the JSON API it uses (see README, "Explorer") until
interrupted (Ctrl-C). Every number is computed in Go; the page only draws.
It listens on the loopback interface unless --addr names another, and then
warns: anyone who can reach the address can train and sample on this machine.
--model DIR shows a trained run directory (a 2-D model of noise levels, from
sgm train, sgm demo or the explorer's own download) as the learned model.`,
		setup: func(fs *flag.FlagSet) func(ctx context.Context, e *env) error {
			addr := fs.String("addr", "127.0.0.1:8080", "address to listen on, HOST:PORT (port 0 picks a free one)")
			model := fs.String("model", "", "trained run `DIR` to show as the learned model (read, never written)")
			return func(ctx context.Context, e *env) error {
				return runServe(ctx, e, *addr, serve.Limits{}, *model)
			}
		},
		interruptible: true,
	})
}

// runServe listens on addr and serves the explorer until ctx is cancelled,
// then shuts down: it stops the training job, waits up to 5 s for requests
// in flight and removes the trained model's files.
func runServe(ctx context.Context, e *env, addr string, lim serve.Limits, model string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr %q: %v", addr, err)
	}
	backend, err := newBackend("go")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if !loopback(host) {
		fmt.Fprintf(e.stderr, "sgm serve: WARNING: listening on %s, not on loopback: anyone who can reach it can use this machine's CPU and see what you draw\n", ln.Addr())
	}
	s := serve.New(backend, lim, log.New(e.stderr, "sgm serve: ", 0))
	if model != "" {
		if err := s.LoadRun(model); err != nil {
			ln.Close()
			return fmt.Errorf("--model: %w", err)
		}
	}
	handler := s.Handler()
	if loopback(host) {
		handler = serve.LocalOnly(handler)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(e.stderr, "sgm serve: ", 0),
	}
	fmt.Fprintf(e.stdout, "sgm serve: open http://%s/ (Ctrl-C stops)\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		s.Close()
		return err
	case <-ctx.Done():
	}
	// Streams (a training job's events) end when their job stops, so stop
	// it before waiting for the requests in flight.
	closeErr := s.Close()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(e.stdout, "sgm serve: stopped")
	return closeErr
}

// loopback reports whether host names only the loopback interface.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
