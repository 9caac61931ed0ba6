package main

import (
	"encoding/json"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// escape tries to leave the sandbox as the test asks: read the host's
// files and environment, open network connections, signal the host's
// process. Each try answers "refused" or "allowed".
func escape(r *sdk.Request) error {
	out := map[string]string{}
	verdict := func(name string, err error) {
		if err != nil {
			out[name] = "refused"
		} else {
			out[name] = "allowed"
		}
	}
	for _, path := range r.Query["read"] {
		_, err := os.ReadFile(path)
		verdict("read "+path, err)
	}
	for _, addr := range r.Query["dial"] {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		verdict("dial "+addr, err)
	}
	if pid, err := strconv.Atoi(r.Query.Get("pid")); err == nil {
		verdict("signal the host", syscall.Kill(pid, syscall.Signal(0)))
		_, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		verdict("read the host's environment", err)
	}
	// What the plugin sees of processes: itself and the sandbox's reaper.
	procs, _ := os.ReadDir("/proc")
	n := 0
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err == nil {
			n++
		}
	}
	out["processes"] = strconv.Itoa(n)
	out["uid"] = strconv.Itoa(os.Getuid())
	// Tries that would change the machine run only where the test knows
	// the plugin is sandboxed (unsandboxed as root, they would succeed).
	if r.Query.Get("change") == "yes" {
		verdict("write outside /tmp", os.WriteFile("/escape", []byte("x"), 0o644))
		verdict("write in /tmp", os.WriteFile("/tmp/escape", []byte("x"), 0o644))
		verdict("mount", syscall.Mount("none", "/tmp", "tmpfs", 0, ""))
		verdict("fill /tmp beyond its size", os.WriteFile("/tmp/fill", make([]byte, 300<<20), 0o644))
		os.Remove("/tmp/fill")
		// Memory outside the data limit: files in /dev's tmpfs, a memory
		// file, a shared anonymous mapping (shared memory counts against
		// no limit of the plugin's).
		verdict("write in /dev/shm", os.WriteFile("/dev/shm/escape", make([]byte, 1<<20), 0o644))
		verdict("write in /dev", os.WriteFile("/dev/escape", make([]byte, 1<<20), 0o644))
		fd, err := unix.MemfdCreate("escape", 0)
		if err == nil {
			unix.Close(fd)
		}
		verdict("a memory file", err)
		mem, err := syscall.Mmap(-1, 0, 1<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_ANON)
		if err == nil {
			syscall.Munmap(mem)
		}
		verdict("shared anonymous memory", err)
		for name, family := range map[string]int{"a vsock socket": 40, "a netlink socket": syscall.AF_NETLINK, "an IPv4 socket": syscall.AF_INET} {
			fd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
			if family == syscall.AF_NETLINK {
				fd, err = syscall.Socket(family, syscall.SOCK_RAW, 0)
			}
			if err == nil {
				syscall.Close(fd)
			}
			verdict(name, err)
		}
	}
	body, _ := json.Marshal(out)
	return r.Raw(200, "application/json", body)
}
