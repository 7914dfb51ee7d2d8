// Command ferretdb-embedded runs FerretDB v1 (pinned in ../go.mod) with the SQLite backend
// through FerretDB's public embeddable package.
//
// Why not the upstream `cmd/ferretdb`: built with Go >= 1.24 as a tool of another module,
// its version package panics at start-up because build/version/version.txt is empty
// (FerretDB issue #2982). The embeddable package skips that check.
//
// Usage:
//
//	ferretdb-embedded --listen-addr=127.0.0.1:27017 --sqlite-url=file:/tmp/data/ [--exit-on-stdin-eof]
//
// It prints "ready <mongodb-uri>" on stdout once the listener is up. With --exit-on-stdin-eof
// it stops when its standard input closes, so a test run that dies takes its server with it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "", "SQLite data directory URI, e.g. file:/tmp/data/ (the directory must exist)")
	exitOnEOF := flag.Bool("exit-on-stdin-eof", false, "stop when standard input is closed")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	flag.Parse()

	if *sqliteURL == "" {
		fmt.Fprintln(os.Stderr, "ferretdb-embedded: --sqlite-url is required, e.g. --sqlite-url=file:/tmp/data/")
		os.Exit(2)
	}
	dir := strings.TrimSuffix(strings.TrimPrefix(*sqliteURL, "file:"), "/")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(os.Stderr, "ferretdb-embedded: --sqlite-url directory %q does not exist; create it first\n", dir)
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-embedded: --log-level: %v\n", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: *sqliteURL,
		Logger:    logger,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-embedded: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *exitOnEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()

	// Run binds the listener; wait until it accepts connections before saying ready.
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", *listen, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "ferretdb-embedded: listener %s not up after 20s: %v\n", *listen, err)
			os.Exit(1)
		}
		select {
		case <-done:
			fmt.Fprintln(os.Stderr, "ferretdb-embedded: stopped before it was ready")
			os.Exit(1)
		case <-time.After(20 * time.Millisecond):
		}
	}
	fmt.Printf("ready mongodb://%s/\n", *listen)

	<-done
}
