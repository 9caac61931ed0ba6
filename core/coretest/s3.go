package coretest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
)

// WeedVersion is the SeaweedFS the S3 tests run against; make s3server
// builds it once per machine into the user's cache folder.
const WeedVersion = "v0.0.0-20261109003541-7506e5f91cd6"

var (
	s3Once     sync.Once
	s3Endpoint string
	s3Err      error
	s3Warn     sync.Once
)

// S3 gives the files configuration of a real S3-compatible store, a
// SeaweedFS server started once per test binary on loopback ports, with a
// bucket of the test's own. Without the server's binary the test skips
// loudly, or fails under REQUIRE_S3=1 (as make test and CI set it).
func S3(t testing.TB) config.Files {
	t.Helper()
	s3Once.Do(func() { s3Endpoint, s3Err = startWeed() })
	if s3Err != nil {
		if os.Getenv("REQUIRE_S3") == "1" {
			t.Fatalf("an S3 server is required (REQUIRE_S3=1) but %v", s3Err)
		}
		s3Warn.Do(func() {
			fmt.Fprintf(os.Stderr, "\n!!! S3 tests SKIPPED: %v\n!!! run make s3server; make test sets REQUIRE_S3=1\n\n", s3Err)
		})
		t.Skipf("no S3 server: %v", s3Err)
	}
	f := config.Default().Files
	f.Dir = ""
	f.S3Endpoint = s3Endpoint
	f.S3Bucket = "t-" + randomHex(6)
	return f
}

// weedBinary is where make s3server leaves SeaweedFS, unless
// TEST_WEED names another.
func weedBinary() (string, error) {
	if p := os.Getenv("TEST_WEED"); p != "" {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "atrium", "weed-"+WeedVersion), nil
}

// startWeed runs SeaweedFS's all-in-one server with S3 and waits until it
// answers. The process ends with the test binary: it is started from a
// thread that never exits, with the kernel told to kill it when that
// thread's process goes.
func startWeed() (string, error) {
	bin, err := weedBinary()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("SeaweedFS is not built at %s", bin)
	}
	dir, err := os.MkdirTemp("", "atrium-weed-")
	if err != nil {
		return "", err
	}
	ports, err := freePorts(8)
	if err != nil {
		return "", err
	}
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	args := []string{"server", "-dir=" + dir, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + p(0), "-master.port.grpc=" + p(1), "-volume.port=" + p(2), "-volume.port.grpc=" + p(3),
		"-filer.port=" + p(4), "-filer.port.grpc=" + p(5), "-s3", "-s3.port=" + p(6), "-s3.port.grpc=" + p(7),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=256", "-volume.max=0"}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: Pdeathsig belongs to this thread
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		log, err := os.Create(filepath.Join(dir, "weed.log"))
		if err != nil {
			started <- err
			return
		}
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		select {} // keep the thread, and with it the server, for the binary's life
	}()
	if err := <-started; err != nil {
		return "", err
	}
	endpoint := "127.0.0.1:" + p(6)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		res, err := http.Get("http://" + endpoint + "/")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode < 500 {
				return endpoint, nil
			}
		}
	}
	return "", fmt.Errorf("SeaweedFS did not answer on %s within a minute; see %s", endpoint, filepath.Join(dir, "weed.log"))
}

// freePorts finds n loopback ports free at this moment.
func freePorts(n int) ([]int, error) {
	var out []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		held = append(held, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
