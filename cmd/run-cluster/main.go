// Command run-cluster runs the shop on this machine the way it runs on
// several: the embedded PostgreSQL, three replicas of bookstore sharing it
// (and one photo folder), and nginx with deploy/nginx/bookstore.conf in
// front, ending TLS with a self-signed certificate. Ctrl-C stops it all.
// `make run-cluster` builds the shop and runs this.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/bookstore/bookstore/deploy/nginx"
	"github.com/bookstore/bookstore/deploy/nginx/readiness"
	"github.com/bookstore/bookstore/platform/pgembed"
	"github.com/bookstore/bookstore/platform/web"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "run-cluster:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "bin/bookstore", "the bookstore binary")
	data := flag.String("data-dir", "data/cluster", "folder for the cluster's database, photos, certificate and nginx files")
	replicas := flag.Int("replicas", 3, "replicas of the shop")
	httpAddr := flag.String("http", "127.0.0.1:8080", "nginx's plain-HTTP address")
	httpsAddr := flag.String("https", "127.0.0.1:8443", "nginx's HTTPS address")
	checkEvery := flag.Duration("check-every", time.Second, "how often nginx's upstream follows the replicas' /readyz")
	flag.Parse()
	if _, err := nginx.Binary(); err != nil {
		return err
	}
	dir, err := filepath.Abs(*data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctx := context.Background()
	pg, err := pgembed.Start(ctx, filepath.Join(dir, "postgres"), nil)
	if err != nil {
		return err
	}
	defer func() { _ = pg.Stop(context.Background()) }()

	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = p.Process.Signal(syscall.SIGINT)
		}
		for _, p := range procs {
			_ = p.Wait()
		}
	}()
	var addrs []string
	for i := range *replicas {
		addr := fmt.Sprintf("127.0.0.1:%d", 8081+i)
		cmd := exec.Command(*bin, "serve", "--addr", addr, "--trust-proxy", "--public-url", "http://"+*httpAddr, "--data-dir", dir,
			"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", 9091+i))
		cmd.Env = append(os.Environ(), "DATABASE_URL="+pg.URL())
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		// Its own process group: Ctrl-C reaches this command, which stops
		// the replicas before the database.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start replica %d: %w", i+1, err)
		}
		procs = append(procs, cmd)
		addrs = append(addrs, addr)
		// The first replica applies migrations; the others wait for it.
		if i == 0 {
			if err := waitReady(addr); err != nil {
				return err
			}
		}
	}
	for _, a := range addrs[1:] {
		if err := waitReady(a); err != nil {
			return err
		}
	}

	cert, err := web.WriteSelfSigned(dir, 365*24*time.Hour)
	if err != nil {
		return err
	}
	lb, err := nginx.Start(nginx.Options{Dir: filepath.Join(dir, "nginx"), HTTPAddr: *httpAddr, HTTPSAddr: *httpsAddr,
		CertFile: cert.CertFile, KeyFile: cert.KeyFile, Replicas: addrs})
	if err != nil {
		return err
	}
	defer lb.Stop()
	// nginx follows the replicas' /readyz: a draining or broken one is
	// marked down in the upstream and nginx reloaded.
	checker := &readiness.Checker{Replicas: addrs, Interval: *checkEvery, Apply: lb.SetDown}
	ctx, stopChecker := context.WithCancel(ctx)
	checked := make(chan error, 1)
	go func() { checked <- checker.Run(ctx) }()
	defer func() {
		stopChecker()
		<-checked
	}()
	fmt.Printf("\nBookStore: %d replicas behind nginx on http://%s and https://%s (self-signed certificate: %s)\n"+
		"replicas on %v, their metrics on 127.0.0.1:9091..; Ctrl-C stops everything\n\n", len(addrs), *httpAddr, *httpsAddr, cert.CertFile, addrs)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case err := <-checked:
		checked <- err
		return fmt.Errorf("readiness checker: %w", err)
	}
	fmt.Println("\nstopping nginx, the replicas, then PostgreSQL")
	return nil
}

// waitReady polls a replica's /readyz.
func waitReady(addr string) error {
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("replica on " + addr + " not ready within 2 minutes")
}
