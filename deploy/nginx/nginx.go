// Package nginx runs deploy/nginx/bookstore.conf, the load balancer config
// shipped to operators, on this machine: rendered for loopback ports and a
// private prefix, with replicas marked down or up by a graceful reload. The
// cluster test, the scale-out benchmark and `make run-cluster` use it, so
// the file an operator copies is the file that is tested.
package nginx

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Config is deploy/nginx/bookstore.conf.
//
//go:embed bookstore.conf
var Config string

// Options place the shipped config on this machine.
type Options struct {
	// Dir is nginx's prefix: the rendered config, pid, logs and temporary
	// files. The worker user (nobody, when run as root) must reach it.
	Dir string
	// HTTPAddr and HTTPSAddr replace the listen ports 8080 and 8443.
	HTTPAddr, HTTPSAddr string
	// CertFile and KeyFile replace the certificate paths.
	CertFile, KeyFile string
	// Replicas replace the upstream's servers.
	Replicas []string
}

// Binary finds nginx on PATH or where Debian puts it.
func Binary() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", nil
	}
	return "", errors.New("nginx not found: install it (Debian: apt-get install nginx)")
}

var (
	serverLine = regexp.MustCompile(`(?m)^(\s*)server 127\.0\.0\.1:8081 (.*);\n(?:\s*server 127\.0\.0\.1:\d+ .*;\n)*`)
	httpListen = regexp.MustCompile(`(?m)^(\s*)listen 8080;`)
	tlsListen  = regexp.MustCompile(`(?m)^(\s*)listen 8443 ssl http2;`)
	certLine   = regexp.MustCompile(`(?m)^(\s*)ssl_certificate\s+\S+;`)
	keyLine    = regexp.MustCompile(`(?m)^(\s*)ssl_certificate_key\s+\S+;`)
)

// Render writes the site config with o's values and the replicas in down
// marked so, and a main config that includes it. It fails if the shipped
// file no longer has the lines it replaces, so the two cannot drift apart.
func Render(o Options, down map[string]bool) error {
	site := Config
	for _, r := range []struct {
		re   *regexp.Regexp
		with string
	}{
		{serverLine, upstreamServers(o.Replicas, down)},
		{httpListen, "${1}listen " + o.HTTPAddr + ";"},
		{tlsListen, "${1}listen " + o.HTTPSAddr + " ssl http2;"},
		{certLine, "${1}ssl_certificate " + o.CertFile + ";"},
		{keyLine, "${1}ssl_certificate_key " + o.KeyFile + ";"},
	} {
		if !r.re.MatchString(site) {
			return fmt.Errorf("deploy/nginx/bookstore.conf has no line matching %s", r.re)
		}
		site = r.re.ReplaceAllString(site, r.with)
	}
	for _, d := range []string{"tmp", "logs"} {
		if err := os.MkdirAll(filepath.Join(o.Dir, d), 0o777); err != nil {
			return err
		}
		if err := os.Chmod(filepath.Join(o.Dir, d), 0o777); err != nil {
			return err
		}
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user nobody nogroup;\n"
	}
	main := user + `worker_processes 1;
pid ` + filepath.Join(o.Dir, "nginx.pid") + `;
error_log ` + filepath.Join(o.Dir, "logs", "error.log") + ` warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ` + filepath.Join(o.Dir, "tmp", "body") + `;
    proxy_temp_path ` + filepath.Join(o.Dir, "tmp", "proxy") + `;
    fastcgi_temp_path ` + filepath.Join(o.Dir, "tmp", "fastcgi") + `;
    uwsgi_temp_path ` + filepath.Join(o.Dir, "tmp", "uwsgi") + `;
    scgi_temp_path ` + filepath.Join(o.Dir, "tmp", "scgi") + `;
    include ` + filepath.Join(o.Dir, "bookstore.conf") + `;
}
`
	if err := writeFile(filepath.Join(o.Dir, "bookstore.conf"), site); err != nil {
		return err
	}
	return writeFile(filepath.Join(o.Dir, "nginx.conf"), main)
}

// writeFile replaces a file whole, so whoever reads it while the readiness
// checker rewrites it never sees half a config.
func writeFile(path, content string) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func upstreamServers(replicas []string, down map[string]bool) string {
	var b strings.Builder
	for _, r := range replicas {
		b.WriteString("${1}server " + r + " ${2}")
		if down[r] {
			b.WriteString(" down")
		}
		b.WriteString(";\n")
	}
	return b.String()
}

// Process is a running nginx.
type Process struct {
	opts Options
	cmd  *exec.Cmd
	done chan struct{}
}

// Start renders the config, checks it with nginx -t, and runs nginx in the
// foreground until Stop, waiting until it accepts connections.
func Start(o Options) (*Process, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if err := Render(o, nil); err != nil {
		return nil, err
	}
	args := []string{"-p", o.Dir, "-c", filepath.Join(o.Dir, "nginx.conf"), "-e", filepath.Join(o.Dir, "logs", "error.log")}
	if out, err := exec.Command(bin, append(args, "-t", "-q")...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("nginx -t: %w: %s", err, out)
	}
	p := &Process{opts: o, cmd: exec.Command(bin, append(args, "-g", "daemon off;")...), done: make(chan struct{})}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start nginx: %w", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", o.HTTPAddr, time.Second); err == nil {
			_ = c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("nginx exited at start (see %s)", filepath.Join(o.Dir, "logs", "error.log"))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, errors.New("nginx did not accept connections within 30 s")
		}
	}
}

// SetDown marks the replicas in down as down, the others up, and reloads
// gracefully: it returns once a worker with the new config serves, while
// the old worker finishes what it had in flight.
func (p *Process) SetDown(down map[string]bool) error {
	before := p.workers()
	if err := Render(p.opts, down); err != nil {
		return err
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return fmt.Errorf("reload nginx: %w", err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		for w := range p.workers() {
			if !before[w] {
				return nil
			}
		}
		select {
		case <-p.done:
			return errors.New("nginx exited on reload")
		case <-time.After(10 * time.Millisecond):
		}
	}
	return errors.New("nginx did not start a new worker within 30 s of a reload")
}

// workers lists the master's child processes.
func (p *Process) workers() map[int]bool {
	pid := strconv.Itoa(p.cmd.Process.Pid)
	b, _ := os.ReadFile(filepath.Join("/proc", pid, "task", pid, "children"))
	out := map[int]bool{}
	for f := range strings.FieldsSeq(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out[n] = true
		}
	}
	return out
}

// Stop ends nginx gracefully (SIGQUIT: requests in flight finish), or at
// once after 10 s.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
