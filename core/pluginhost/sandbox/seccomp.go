package sandbox

import (
	"encoding/binary"
	"fmt"
	"os"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// allowed are the system calls a Go plugin makes: its runtime (threads,
// memory, signals, timers), files in its private /tmp, the Unix socket to
// the host and the gRPC server on it. Everything else fails with EPERM:
// mount, ptrace, namespaces, kernel modules, keyrings, bpf, perf,
// io_uring, process memory of others, reboot and the like.
var allowed = []string{
	// the runtime
	"arch_prctl", "brk", "clone", "exit", "exit_group", "futex", "futex_waitv", "get_robust_list", "set_robust_list",
	"getpid", "getppid", "gettid", "getpgid", "getpgrp", "getsid", "getuid", "geteuid", "getgid", "getegid", "getgroups",
	"getresuid", "getresgid", "kill", "tgkill", "tkill", "madvise", "membarrier", "mincore", "mprotect", "mremap",
	"munmap", "nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigqueueinfo",
	"sigaltstack", "restart_syscall", "rseq", "sched_getaffinity", "sched_yield", "set_tid_address", "prctl",
	"getrlimit", "prlimit64", "getrusage", "uname", "sysinfo", "getrandom", "getcpu", "timer_create", "timer_settime",
	"timer_gettime", "timer_delete", "timer_getoverrun", "setitimer", "getitimer", "execve", "wait4", "waitid",
	// files (only the sandbox's own exist)
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "open", "openat", "close", "close_range",
	"lseek", "fstat", "stat", "lstat", "newfstatat", "statx", "fstatfs", "statfs", "fcntl", "dup", "dup2", "dup3",
	"pipe", "pipe2", "getdents64", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "getcwd", "chdir",
	"fchdir", "mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "ftruncate", "fsync",
	"fdatasync", "flock", "fchmod", "fchmodat", "umask", "utimensat", "ioctl", "eventfd2",
	"copy_file_range", "sendfile", "splice", "fadvise64",
	// waiting
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll",
	"select", "pselect6",
	// the socket to the host (the network namespace has nothing else;
	// socket and socketpair only for AF_UNIX, below)
	"bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername",
	"setsockopt", "getsockopt", "shutdown", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
}

// seccompFile is the allow-list as bwrap reads it (--seccomp): the compiled
// classic BPF program, one struct sock_filter after the other, in a file
// the child inherits.
func seccompFile() (*os.File, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	var names []string
	for _, n := range allowed {
		if _, ok := info.SyscallNames[n]; ok { // each architecture has its own set
			names = append(names, n)
		}
	}
	policy := seccomp.Policy{DefaultAction: seccomp.ActionErrno, Syscalls: []seccomp.SyscallGroup{
		{Action: seccomp.ActionAllow, Names: names},
		// Unix sockets only: no vsock to the hypervisor, no netlink, no
		// packet sockets, whatever the network namespace holds. Private
		// mappings only: shared memory counts against none of the
		// plugin's limits (memfd_create, shmget and /dev/shm are out too).
		{Action: seccomp.ActionAllow, NamesWithCondtions: []seccomp.NameWithConditions{
			{Name: "mmap", Conditions: seccomp.ArgumentConditions{{Argument: 3, Operation: seccomp.BitsNotSet, Value: unix.MAP_SHARED}}},
			{Name: "socket", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.Equal, Value: unix.AF_UNIX}}},
			{Name: "socketpair", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.Equal, Value: unix.AF_UNIX}}},
		}},
		// clone3 passes its flags in memory, where a filter cannot look:
		// "not implemented" makes the C library fall back to clone.
		{Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS), Names: []string{"clone3"}},
	}}
	program, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("sandbox: seccomp: %w", err)
	}
	raw, err := bpf.Assemble(program)
	if err != nil {
		return nil, fmt.Errorf("sandbox: seccomp: %w", err)
	}
	buf := make([]byte, 0, 8*len(raw))
	for _, ins := range raw {
		buf = binary.NativeEndian.AppendUint16(buf, ins.Op)
		buf = append(buf, ins.Jt, ins.Jf)
		buf = binary.NativeEndian.AppendUint32(buf, ins.K)
	}
	// A memory file: nothing on disk, and the child reads it from the start.
	f, err := memfd("atrium-seccomp", buf)
	if err != nil {
		return nil, fmt.Errorf("sandbox: seccomp: %w", err)
	}
	return f, nil
}

// memfd is an anonymous memory file holding data, positioned at its start.
func memfd(name string, data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC) // os/exec hands it to the child as fd 3
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
