// Package supervisor keeps a few child processes running on one machine:
// the processes of a split shop under `bookstore serve --split`. It starts
// each, prefixes every line it logs with its name, reports when it is
// ready, restarts it with backoff when it dies after it was ready, and on
// stop ends them one at a time, leaving nothing running.
package supervisor

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Child is one process to keep running.
type Child struct {
	// Name prefixes the child's log lines.
	Name string
	Path string
	Args []string
	// Env is the child's whole environment.
	Env []string
	// ReadyURL answers 200 once the child is ready; without one, the child
	// is ready once started.
	ReadyURL string
}

// Opts tune the supervision; zero fields get defaults.
type Opts struct {
	// StopTimeout is how long each child gets to exit after its stop
	// signal before it is killed.
	StopTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a restart; it doubles
	// with each quick death and starts again from MinBackoff after a child
	// ran for MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Ready is called once, when every child has been ready.
	Ready func()
}

// Signal, as the cause of Run's context (context.WithCancelCause), is the
// signal Run stops the children with; without it they get SIGINT, as
// Ctrl-C would.
type Signal struct{ syscall.Signal }

func (s Signal) Error() string { return "stopped by " + s.Signal.String() }

// Run starts the children and keeps them running until ctx ends, then
// stops them one at a time, the last of the list first, each with the
// signal of Signal (then SIGKILL after StopTimeout): a child first in the
// list serves those after it, which may still need it while they finish
// what they are doing. It returns once they have all exited: nil, or, when
// a child exited before it was ever ready (a port in use, a database out
// of reach), an error naming it, after stopping the others. Restarting a
// child that cannot start would only repeat its error; one that dies once
// ready is restarted. Their output goes to out, a line at a time, each
// prefixed with the child's name.
func Run(ctx context.Context, children []Child, out io.Writer, log *slog.Logger, o *Opts) error {
	opts := Opts{StopTimeout: 30 * time.Second, MinBackoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second}
	if o != nil {
		if o.StopTimeout > 0 {
			opts.StopTimeout = o.StopTimeout
		}
		if o.MinBackoff > 0 {
			opts.MinBackoff = o.MinBackoff
		}
		if o.MaxBackoff > 0 {
			opts.MaxBackoff = o.MaxBackoff
		}
		opts.Ready = o.Ready
	}
	w := &lineWriter{out: out}
	ready := make(chan struct{}, len(children))
	failed := make(chan error, len(children))
	stops := make([]chan syscall.Signal, len(children))
	exits := make([]chan struct{}, len(children))
	for i, c := range children {
		stops[i], exits[i] = make(chan syscall.Signal, 1), make(chan struct{})
		go func() {
			defer close(exits[i])
			if err := keep(c, stops[i], w, log, opts, sync.OnceFunc(func() { ready <- struct{}{} })); err != nil {
				failed <- err
			}
		}()
	}
	var err error
wait:
	for readyN := 0; ; {
		select {
		case <-ctx.Done():
			break wait
		case err = <-failed:
			break wait
		case <-ready:
			if readyN++; readyN == len(children) && opts.Ready != nil {
				opts.Ready()
			}
		}
	}
	sig := syscall.SIGINT
	var cause Signal
	if errors.As(context.Cause(ctx), &cause) {
		sig = cause.Signal
	}
	for i := len(children) - 1; i >= 0; i-- {
		stops[i] <- sig
		<-exits[i]
	}
	return err
}

// keep runs c again and again until stop sends the signal to stop it with,
// and fails when c exits before it was ever ready. The goroutine holds its
// OS thread, since the kernel sends a child its parent-death signal when
// the thread that started it exits.
func keep(c Child, stop <-chan syscall.Signal, w *lineWriter, log *slog.Logger, o Opts, firstReady func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var wasReady atomic.Bool
	backoff := o.MinBackoff
	for restarts := 0; ; restarts++ {
		started := time.Now()
		stopped, err := runOnce(c, stop, w, log, o, restarts, func() {
			wasReady.Store(true)
			firstReady()
		})
		if stopped {
			log.Info("process stopped", "process", c.Name, "err", err)
			return nil
		}
		if !wasReady.Load() {
			return fmt.Errorf("%s exited before it was ready (%v); its lines above say why", c.Name, err)
		}
		if time.Since(started) >= o.MaxBackoff {
			backoff = o.MinBackoff
		}
		log.Warn("process exited; restarting", "process", c.Name, "err", err, "in", backoff)
		select {
		case <-stop:
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, o.MaxBackoff)
	}
}

// runOnce runs c until it exits (stopped false), or until stop sends a
// signal and it is stopped with it (stopped true).
func runOnce(c Child, stop <-chan syscall.Signal, w *lineWriter, log *slog.Logger, o Opts, restarts int, ready func()) (stopped bool, err error) {
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	// Its own process group, so a Ctrl-C in the terminal reaches only the
	// supervisor, which stops the children in order; the parent-death
	// signal ends it if the supervisor itself is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return false, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return false, err
	}
	log.Info("process started", "process", c.Name, "pid", cmd.Process.Pid, "restarts", restarts)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		w.copyLines(c.Name, stdout)
	}()
	exited := make(chan error, 1)
	go func() {
		<-copied
		exited <- cmd.Wait()
	}()
	readyCtx, stopPolling := context.WithCancel(context.Background())
	defer stopPolling()
	go func() {
		if waitReady(readyCtx, c.ReadyURL) {
			log.Info("process ready", "process", c.Name, "pid", cmd.Process.Pid)
			ready()
		}
	}()
	var sig syscall.Signal
	select {
	case err := <-exited:
		return false, err
	case sig = <-stop:
	}
	stopPolling()
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	select {
	case err := <-exited:
		return true, err
	case <-time.After(o.StopTimeout):
		log.Warn("process did not stop in time; killing it", "process", c.Name, "pid", cmd.Process.Pid)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return true, <-exited
	}
}

// waitReady polls url until it answers 200 (true) or ctx ends (false).
func waitReady(ctx context.Context, url string) bool {
	if url == "" {
		return true
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lineWriter writes whole lines from several children, never interleaving
// two lines.
type lineWriter struct {
	mu  sync.Mutex
	out io.Writer
}

// maxLogLine is the longest line of a child's log passed on whole.
const maxLogLine = 1 << 20

// copyLines writes each line of r to the output with name in front: as a
// first field of a JSON record, as a prefix of any other line. A line
// longer than maxLogLine is cut, never left unread: a child whose pipe is
// no longer read blocks on its next log line while it looks alive.
func (w *lineWriter) copyLines(name string, r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	cut := false
	for {
		part, more, err := br.ReadLine()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
				w.write(fmt.Sprintf("%-8s| (log lost: %v)", name, err))
			}
			return
		}
		if room := maxLogLine - len(line); len(part) > room {
			line, cut = append(line, part[:room]...), true
		} else {
			line = append(line, part...)
		}
		if more {
			continue
		}
		switch {
		case cut:
			w.write(fmt.Sprintf("%-8s| %s… (line cut at %d bytes)", name, line, maxLogLine))
		case bytes.HasPrefix(line, []byte("{")):
			w.write(fmt.Sprintf(`{"process":%q,%s`, name, line[1:]))
		default:
			w.write(fmt.Sprintf("%-8s| %s", name, line))
		}
		line, cut = line[:0], false
	}
}

func (w *lineWriter) write(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = io.WriteString(w.out, line+"\n")
}
