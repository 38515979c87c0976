// Package supervisor keeps a few child processes running on one machine:
// the processes of a split shop under `bookstore serve --split`. It starts
// each, prefixes every line it logs with its name, reports when it is
// ready, restarts it with backoff when it dies, and on stop ends them all,
// leaving nothing running.
package supervisor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
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
	// StopTimeout is how long children get to exit after SIGINT before
	// they are killed.
	StopTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a restart; it doubles
	// with each quick death and starts again from MinBackoff after a child
	// ran for MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Ready is called once, when every child has been ready.
	Ready func()
}

// Run starts the children and keeps them running until ctx ends, then
// stops them (SIGINT, as Ctrl-C would: no load balancer waits for them to
// drain; then SIGKILL after StopTimeout) and returns once they have all
// exited. Their output goes to out, a line at a time, each
// prefixed with the child's name.
func Run(ctx context.Context, children []Child, out io.Writer, log *slog.Logger, o *Opts) {
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
	var (
		wg      sync.WaitGroup
		readyWG sync.WaitGroup
	)
	readyWG.Add(len(children))
	for _, c := range children {
		wg.Go(func() { keep(ctx, c, w, log, opts, sync.OnceFunc(readyWG.Done)) })
	}
	go func() {
		readyWG.Wait()
		if ctx.Err() == nil && opts.Ready != nil {
			opts.Ready()
		}
	}()
	wg.Wait()
}

// keep runs c again and again until ctx ends. The goroutine holds its OS
// thread, since the kernel sends a child its parent-death signal when the
// thread that started it exits.
func keep(ctx context.Context, c Child, w *lineWriter, log *slog.Logger, o Opts, firstReady func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	backoff := o.MinBackoff
	for restarts := 0; ; restarts++ {
		started := time.Now()
		err := runOnce(ctx, c, w, log, o, restarts, firstReady)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) >= o.MaxBackoff {
			backoff = o.MinBackoff
		}
		log.Warn("process exited; restarting", "process", c.Name, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, o.MaxBackoff)
	}
}

// runOnce runs c until it exits, or until ctx ends and it is stopped.
func runOnce(ctx context.Context, c Child, w *lineWriter, log *slog.Logger, o Opts, restarts int, firstReady func()) error {
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	// Its own process group, so a Ctrl-C in the terminal reaches only the
	// supervisor, which stops the children in order; the parent-death
	// signal ends it if the supervisor itself is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
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
	readyCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	go func() {
		if waitReady(readyCtx, c.ReadyURL) {
			log.Info("process ready", "process", c.Name, "pid", cmd.Process.Pid)
			firstReady()
		}
	}()
	select {
	case err := <-exited:
		return err
	case <-ctx.Done():
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	select {
	case err := <-exited:
		return err
	case <-time.After(o.StopTimeout):
		log.Warn("process did not stop in time; killing it", "process", c.Name, "pid", cmd.Process.Pid)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return <-exited
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

// copyLines writes each line of r to the output with name in front: as a
// first field of a JSON record, as a prefix of any other line.
func (w *lineWriter) copyLines(name string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "{") {
			line = fmt.Sprintf(`{"process":%q,%s`, name, line[1:])
		} else {
			line = fmt.Sprintf("%-8s| %s", name, line)
		}
		w.mu.Lock()
		_, _ = io.WriteString(w.out, line+"\n")
		w.mu.Unlock()
	}
	if err := sc.Err(); err != nil && !errors.Is(err, os.ErrClosed) {
		w.mu.Lock()
		fmt.Fprintf(w.out, "%-8s| (log lost: %v)\n", name, err)
		w.mu.Unlock()
	}
}
