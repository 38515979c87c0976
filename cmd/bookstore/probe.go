package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// probeTimeout bounds a probe: a process that does not answer in time is
// not healthy, and an orchestrator's own timeout should not be the one to
// cut it.
const probeTimeout = 2 * time.Second

// newProbeCommand is the container's health check: the image is
// distroless (no shell, curl or wget), so the binary asks its own running
// server. It exits 0 when the server on --addr answers /readyz (or
// /healthz with --live) with 200, and 1 otherwise, saying why.
func newProbeCommand() *cobra.Command {
	var live bool
	cmd := &cobra.Command{
		Use:   "probe",
		Short: "Ask the server running on --addr whether it is ready (exit 0) or not (exit 1): a container health check",
		Long: `Ask the server running on --addr whether it is ready (exit 0) or not (exit 1).

It is the container health check of the distroless image, which has no shell
or HTTP client to run one: GET /readyz (database and job queue reachable, not
draining), or /healthz (the process answers) with --live, on this machine's
loopback at --addr's port, over HTTPS when the server serves it (--tls-cert,
--acme-domain), without checking the certificate, which names the shop's
domain rather than the loopback.`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().BoolVar(&live, "live", false, "ask /healthz (alive) rather than /readyz (ready for traffic)")
	load := bindConfig(cmd, "addr", "tls-cert", "tls-key", "acme-domain")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := load()
		if err != nil {
			return err
		}
		path := "/readyz"
		if live {
			path = "/healthz"
		}
		url, err := probeURL(cfg.Addr, cfg.TLS(), path)
		if err != nil {
			return err
		}
		if err := probe(cmd.Context(), url); err != nil {
			return err
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), "ok:", url)
		return err
	}
	return cmd
}

// probeURL is where a probe on this machine reaches a server listening on
// addr: its own host, or the loopback when addr listens on every address.
func probeURL(addr string, https bool, path string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	scheme := "http"
	if https {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + path, nil
}

func probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{
		// The certificate names the shop's domain, not the loopback; the
		// probe asks whether this process answers, not who it is.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a loopback probe
	}}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("probe %s: %s", url, res.Status)
	}
	return nil
}
