// Package pgembed runs a private PostgreSQL cluster from the binaries
// installed on the machine, so that a developer needs no database server to
// run or test the shop. The cluster listens only on a Unix socket in its
// data folder.
package pgembed

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrBinariesMissing is returned when initdb, pg_ctl or postgres cannot be
// found; its message tells the operator how to fix it.
var ErrBinariesMissing = errors.New("PostgreSQL binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql) or set DATABASE_URL")

// Options tunes a cluster.
type Options struct {
	// Ephemeral runs the server as a child that dies with this process and
	// turns off fsync: for test clusters, whose data is thrown away.
	Ephemeral bool
	// CrashSafe keeps an ephemeral cluster's commits durable when the
	// server (not the machine) crashes, for tests that crash it (Crash):
	// a commit is acknowledged only once its WAL left the server.
	CrashSafe bool
	// Settings are server settings ("name=value") added to the cluster's
	// own when this call starts the server, such as a tool's: they do not
	// reach a server already running.
	Settings []string
	// Database is the database Start makes if the cluster lacks it:
	// "bookstore" when empty, or a module's own (a split shop's).
	Database string
}

// Cluster is a running private cluster.
type Cluster struct {
	dir     string // also the socket's folder
	bin     string
	owner   *syscall.Credential // nil when the cluster runs as the current user
	adopted bool                // left running by processes that were killed
	shared  bool                // in use by another live process when Start found it
	turn    *os.File            // dir.lock: held while a process starts or stops the server
	use     *os.File            // dir.users: every user holds it shared while it runs
	child   *child              // the server, when ephemeral
	// crashSafe keeps synchronous_commit on in an ephemeral cluster.
	crashSafe bool
	ephemeral bool     // Options.Ephemeral
	extra     []string // Options.Settings
}

// child is a server process this process waits on.
type child struct {
	proc   *os.Process
	exited chan struct{}
}

const (
	superuser = "bookstore"
	database  = "bookstore"
	port      = 5432
)

// Start initialises dir on first use and starts the cluster, or joins the
// processes already using it, or adopts one that killed processes left
// running on the same folder.
func Start(ctx context.Context, dir string, opts *Options) (*Cluster, error) {
	if opts == nil {
		opts = &Options{}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	bin, err := findBinaries(dir)
	if err != nil {
		return nil, err
	}
	if len(filepath.Join(dir, ".s.PGSQL.5432")) > 100 {
		return nil, fmt.Errorf("data folder %s: path too long for a Unix socket (limit about 100 bytes); choose a shorter --data-dir", dir)
	}
	c := &Cluster{dir: dir, bin: bin, ephemeral: opts.Ephemeral, extra: opts.Settings}
	if c.owner, err = owner(); err != nil {
		return nil, err
	}
	if err := c.prepareDir(ctx); err != nil {
		return nil, err
	}
	if err := c.takeTurn(ctx); err != nil {
		return nil, err
	}
	defer c.endTurn()
	if err := c.join(opts.Ephemeral); err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			_ = c.leave(context.WithoutCancel(ctx))
		}
	}()
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	switch {
	case opts.Ephemeral:
		c.crashSafe = opts.CrashSafe
		err = c.startChild(ctx)
	case c.run(ctx, "pg_ctl", "status", "-D", dir) == nil:
		c.adopted = !c.shared
	default:
		err = c.startDaemon(ctx)
	}
	if err != nil {
		return nil, err
	}
	if err := c.EnsureDatabase(ctx, cmp.Or(opts.Database, database)); err != nil {
		return nil, err
	}
	started = true
	return c, nil
}

// URL is the connection string of the shop's database in the cluster.
func (c *Cluster) URL() string { return URL(c.dir, database) }

// URL is the connection string of database name in the cluster kept in dir.
// It is known before the cluster starts, so a pool can be built lazily
// ahead of it.
func URL(dir, name string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", superuser, name, dir, port)
}

// Shared reports whether another live process was using the cluster when
// Start found it: the last of them to Stop stops the server.
func (c *Cluster) Shared() bool { return c.shared }

// Adopted reports whether the cluster was running with no live user when
// Start found it, left behind by processes that were killed.
func (c *Cluster) Adopted() bool { return c.adopted }

// Dir is the cluster's data folder.
func (c *Cluster) Dir() string { return c.dir }

// Stop ends this process's use of the cluster and, when no other process
// uses it any more, shuts the server down and waits for it to exit: a
// replica leaving in a rolling restart keeps the server up for the others.
func (c *Cluster) Stop(ctx context.Context) error {
	if err := c.takeTurn(ctx); err != nil {
		return err
	}
	defer c.endTurn()
	return c.leave(ctx)
}

// leave, under the turn, gives up this process's use and stops the server
// if no other process uses it. Whoever arrives meanwhile waits for the turn,
// then finds the server stopped and starts it again.
func (c *Cluster) leave(ctx context.Context) error {
	if c.use == nil {
		return nil
	}
	defer func() {
		_ = c.use.Close()
		c.use = nil
	}()
	// flock converts a shared lock to an exclusive one by dropping it
	// first, which is harmless here: this process is leaving anyway.
	if syscall.Flock(int(c.use.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return nil
	}
	return c.stop(ctx)
}

func (c *Cluster) stop(ctx context.Context) error {
	if c.child != nil {
		// SIGINT is PostgreSQL's fast shutdown: clients are disconnected.
		_ = c.child.proc.Signal(syscall.SIGINT)
		select {
		case <-c.child.exited:
			return nil
		case <-ctx.Done():
			_ = c.child.proc.Kill()
			return fmt.Errorf("stop postgres in %s: %w", c.dir, ctx.Err())
		}
	}
	if err := c.run(ctx, "pg_ctl", "stop", "-D", c.dir, "-m", "fast", "-w", "-t", "30"); err != nil {
		return fmt.Errorf("stop postgres in %s: %w", c.dir, err)
	}
	return nil
}

// Crash stops the server as a crash would (immediate shutdown: clients cut
// off, no checkpoint), keeping the folder; Resume starts it again, which
// then recovers from its write-ahead log. Fault tests use the pair.
func (c *Cluster) Crash(ctx context.Context) error {
	if c.shared {
		return errors.New("crash: another process uses the cluster")
	}
	if c.child != nil {
		// SIGQUIT is PostgreSQL's immediate shutdown.
		_ = c.child.proc.Signal(syscall.SIGQUIT)
		select {
		case <-c.child.exited:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.run(ctx, "pg_ctl", "stop", "-D", c.dir, "-m", "immediate", "-w", "-t", "30")
}

// Resume starts a cluster that Crash stopped.
func (c *Cluster) Resume(ctx context.Context) error {
	if c.child != nil {
		return c.startChild(ctx)
	}
	return c.startDaemon(ctx)
}

// owner is the user the cluster runs as: nil for the current user, or
// postgres as root, since initdb refuses to run as root.
func owner() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs the postgres user to own the cluster: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// CheckDir reports, without creating anything, whether a cluster could
// live in dir: as root, whether the postgres user can reach it. A command
// calls it before it makes any folder under its --data-dir, so a refused
// one is left as it was.
func CheckDir(ctx context.Context, dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	c := &Cluster{dir: dir}
	if c.owner, err = owner(); err != nil {
		return err
	}
	return c.reachable(ctx)
}

// reachable checks that the cluster's owner can enter the deepest folder
// of dir's path that exists, so that the folders made below it, open to
// all, are reachable too.
func (c *Cluster) reachable(ctx context.Context) error {
	if c.owner == nil {
		return nil
	}
	existing := c.dir
	for {
		if _, err := os.Stat(existing); err == nil || existing == filepath.Dir(existing) {
			break
		}
		existing = filepath.Dir(existing)
	}
	if c.run(ctx, "test", "-x", existing) != nil {
		return c.unreachable()
	}
	return nil
}

func (c *Cluster) unreachable() error {
	return fmt.Errorf("the postgres user cannot reach %s (a parent folder is closed to it): set --data-dir (BOOKSTORE_DATA_DIR) to a folder it can reach, such as /var/tmp/bookstore", c.dir)
}

func (c *Cluster) prepareDir(ctx context.Context) error {
	if err := c.reachable(ctx); err != nil {
		return err
	}
	// Parents stay traversable, since the cluster may run as another user.
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	if err := os.Mkdir(c.dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create data folder: %w", err)
	}
	if c.owner == nil {
		return nil
	}
	if err := os.Chown(c.dir, int(c.owner.Uid), int(c.owner.Gid)); err != nil {
		return fmt.Errorf("give data folder to postgres: %w", err)
	}
	if err := c.run(ctx, "test", "-w", c.dir, "-a", "-x", c.dir); err != nil {
		return c.unreachable()
	}
	return nil
}

// takeTurn waits until no other process is starting or stopping the
// server, so that a process arriving while the last user stops it starts
// it again instead of connecting to a server on its way down.
func (c *Cluster) takeTurn(ctx context.Context) error {
	f, err := os.OpenFile(c.dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("lock data folder: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			c.turn = f
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return fmt.Errorf("lock data folder: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return fmt.Errorf("wait for another bookstore process to start or stop postgres in %s: %w", c.dir, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (c *Cluster) endTurn() {
	if c.turn != nil {
		_ = c.turn.Close()
		c.turn = nil
	}
}

// join, under the turn, records this process as a user of the cluster: a
// shared lock that the kernel drops if the process is killed. An ephemeral
// cluster's server is this process's child, so it admits no other user.
func (c *Cluster) join(ephemeral bool) error {
	f, err := os.OpenFile(c.dir+".users", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("lock data folder: %w", err)
	}
	inUse := fmt.Errorf("data folder %s is in use by a bookstore process that runs postgres as its child (a test): stop it, or give this one its own --data-dir or a DATABASE_URL", filepath.Dir(c.dir))
	switch {
	case syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil:
		// Alone. Every taker of the exclusive lock holds the turn, as this
		// process does, so nobody slips in while it is made shared.
		if !ephemeral {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		}
	case ephemeral:
		err = inUse
	default:
		c.shared = true
		if syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) != nil {
			err = inUse
		}
	}
	if err != nil {
		f.Close()
		return err
	}
	c.use = f
	return nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	err := c.run(ctx, "initdb", "-D", c.dir, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
	if err != nil {
		return fmt.Errorf("initdb %s: %w", c.dir, err)
	}
	return nil
}

func (c *Cluster) settings() []string {
	s := []string{
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + c.dir,
		"-c", "unix_socket_permissions=0770",
		"-p", strconv.Itoa(port),
		"-c", "max_connections=200",
	}
	for _, e := range c.extra {
		s = append(s, "-c", e)
	}
	return s
}

// LogFile is where the server writes its log. An ephemeral cluster's lies
// beside its data folder.
func (c *Cluster) LogFile() string {
	if c.ephemeral {
		return filepath.Join(filepath.Dir(c.dir), "postgres.log")
	}
	return filepath.Join(c.dir, "postgres.log")
}

// MaxLogSize is the size past which the server's log is set aside at
// start: pg_ctl -l appends to it for ever, so a shop that ran for years
// filled its disk with it. One old copy is kept (postgres.log.1).
const MaxLogSize = 50 << 20

// rotateLog sets the log aside as postgres.log.1 (replacing the one kept
// before) when it has grown past MaxLogSize. The server is not running,
// so nothing still writes to it.
func rotateLog(logFile string) error {
	info, err := os.Stat(logFile)
	if err != nil || info.Size() <= MaxLogSize {
		return nil
	}
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		return fmt.Errorf("set aside postgres log: %w", err)
	}
	return nil
}

func (c *Cluster) startDaemon(ctx context.Context) error {
	logFile := c.LogFile()
	if err := rotateLog(logFile); err != nil {
		return err
	}
	var quoted []string
	for _, s := range c.settings() {
		if strings.HasSuffix(s, "=") {
			s += "''"
		}
		quoted = append(quoted, s)
	}
	err := c.run(ctx, "pg_ctl", "start", "-D", c.dir, "-w", "-t", "60", "-l", logFile, "-o", strings.Join(quoted, " "))
	if err != nil {
		return fmt.Errorf("start postgres in %s (see %s): %w", c.dir, logFile, err)
	}
	return nil
}

// startChild runs the server in the foreground of a child process that the
// kernel stops if this process dies, so a killed test binary leaves no
// server behind.
func (c *Cluster) startChild(ctx context.Context) error {
	args := append([]string{"-D", c.dir}, c.settings()...)
	args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
	if !c.crashSafe {
		args = append(args, "-c", "synchronous_commit=off")
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGQUIT, Credential: c.owner}
	cmd.Dir = "/"
	logFile, err := os.Create(c.LogFile())
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	ch := &child{proc: cmd.Process, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(ch.exited)
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		if c.ping(ctx) == nil {
			c.child = ch
			return nil
		}
		select {
		case <-ch.exited:
			return fmt.Errorf("postgres exited at start (see %s)", logFile.Name())
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return fmt.Errorf("postgres did not accept connections within a minute (see %s)", logFile.Name())
		}
	}
}

func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, URL(c.dir, "postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// EnsureDatabase creates the database name unless it exists: the
// supervisor of a split shop makes one per module.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, URL(c.dir, "postgres"))
	if err != nil {
		return fmt.Errorf("connect to embedded postgres: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// run executes a PostgreSQL tool as the cluster's owner and folds its output
// into the error, since that is where the tools explain themselves.
func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	path := filepath.Join(c.bin, name)
	if name == "test" {
		path = "/usr/bin/test"
	}
	cmd := exec.CommandContext(ctx, path, args...)
	// The server must outlive a Ctrl-C sent to our process group, so that
	// the shop can finish its work and stop the cluster itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.owner}
	cmd.Dir = "/"
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if msg == "" {
			return err
		}
		return fmt.Errorf("%w: %s", err, lastLines(msg, 3))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// installGlob is where Debian installs each major version's binaries.
var installGlob = "/usr/lib/postgresql/*/bin"

// ErrWrongVersion is returned when the data folder was made by a major
// version of PostgreSQL whose binaries are not installed; its message names
// the version and how to move the data on.
var ErrWrongVersion = errors.New("PostgreSQL binaries of the data folder's version not found")

// findBinaries picks the binaries that can run the cluster in dir: those
// of the major version that made it (its PG_VERSION), since a server
// refuses another major's files; for a new folder, the newest installed
// major's. The folders of /usr/lib/postgresql come first, then PATH.
func findBinaries(dir string) (string, error) {
	want := ""
	if b, err := os.ReadFile(filepath.Join(dir, "PG_VERSION")); err == nil {
		want = strings.TrimSpace(string(b))
	}
	dirs, _ := filepath.Glob(installGlob)
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasTools(filepath.Dir(real)) {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	var found []string
	for _, d := range dirs {
		if !hasTools(d) {
			continue
		}
		v := majorOf(d)
		if want == "" || v == want || v == "" {
			return d, nil
		}
		found = append(found, v)
	}
	if want == "" || len(found) == 0 {
		return "", ErrBinariesMissing
	}
	return "", fmt.Errorf("%w: the data folder %s was made by PostgreSQL %s, and only PostgreSQL %s is installed. "+
		"Install version %s beside it (Debian: apt-get install postgresql-%s) to run the shop on it as it is; "+
		"or move the data to the newer version with pg_upgrade, or with %s's pg_dump and a restore into a new data folder "+
		"(README, \"The embedded PostgreSQL: logs, backups and upgrades\")",
		ErrWrongVersion, dir, want, strings.Join(slices.Compact(found), ", "), want, want, want)
}

// majorOf is the major version of the binaries in binDir: Debian's folder
// name (/usr/lib/postgresql/17/bin), or what the server says of itself
// ("postgres (PostgreSQL) 17.2"); empty when neither tells.
func majorOf(binDir string) string {
	if v := versionOf(binDir); v > 0 {
		return strconv.Itoa(v)
	}
	out, err := exec.Command(filepath.Join(binDir, "postgres"), "--version").Output()
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return ""
	}
	major, _, _ := strings.Cut(fields[len(fields)-1], ".")
	return major
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func hasTools(dir string) bool {
	for _, t := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, t)); err != nil {
			return false
		}
	}
	return true
}
