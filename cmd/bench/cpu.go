package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go builds applyq for (the kernel
// reports in USER_HZ whatever its internal HZ), and Go has no sysconf
// without cgo.
const clockTicks = 100

// procStat holds the fields of /proc/<pid>/stat that the bench reads.
type procStat struct {
	comm           string
	ppid           int
	utime, stime   int64 // this process (all its threads), in clock ticks
	cutime, cstime int64 // its children that exited and were waited for
}

// readStat parses /proc/<pid>/stat. The command name is in parentheses and
// may hold spaces, so the fields are counted from the last ')'.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[end+1:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	st := procStat{comm: s[open+1 : end]}
	nums := make([]int64, 15)
	for _, i := range []int{1, 11, 12, 13, 14} { // ppid, utime, stime, cutime, cstime
		if nums[i], err = strconv.ParseInt(f[i], 10, 64); err != nil {
			return procStat{}, fmt.Errorf("/proc/%d/stat: field %d: %w", pid, i+3, err)
		}
	}
	st.ppid = int(nums[1])
	st.utime, st.stime, st.cutime, st.cstime = nums[11], nums[12], nums[13], nums[14]
	return st, nil
}

// processCPU returns the CPU seconds (user + system, all threads) that
// process pid has used so far.
func processCPU(pid int) (float64, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return float64(st.utime+st.stime) / clockTicks, nil
}

// postgresCPU measures the CPU used by the whole Postgres server: the
// postmaster, every live child (backends, autovacuum and parallel workers,
// WAL writer, checkpointer…), and, through the postmaster's cutime and
// cstime, every child that exited since the server started. Backends come
// and go with connections, so summing only the live ones would lose the CPU
// of those that ended between two readings; the children's totals move into
// the postmaster's cutime/cstime when it reaps them, which keeps the sum
// monotonic. It is the server's CPU, not one database's: on a machine where
// other databases are busy it includes their work (the bench notes how many
// commits other databases made during a run).
type postgresCPU struct {
	postmaster int
}

// findPostgres finds the postmaster of the server behind the bench's pool:
// the parent of this connection's backend. It fails when the server is not
// a process on this machine (another host, a container with its own PID
// namespace), and the bench then leaves out the Postgres CPU rows.
func (b *bench) findPostgres(ctx context.Context) (*postgresCPU, error) {
	var backend int
	if err := b.pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return nil, err
	}
	st, err := readStat(backend)
	if err != nil {
		return nil, fmt.Errorf("backend %d is not visible in /proc (server on another host or PID namespace): %w", backend, err)
	}
	pm, err := readStat(st.ppid)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(st.comm, "postgres") || !strings.HasPrefix(pm.comm, "postgres") {
		return nil, fmt.Errorf("process %d (%q, parent %q) is not a Postgres backend of this server", backend, st.comm, pm.comm)
	}
	return &postgresCPU{postmaster: st.ppid}, nil
}

// seconds returns the CPU seconds the server has used so far. A child that
// exits between the two readings below may be missed or counted twice;
// during a run the workers' pools keep their connections, so that is at
// most one short-lived backend's CPU.
func (p *postgresCPU) seconds() (float64, error) {
	pm, err := readStat(p.postmaster)
	if err != nil {
		return 0, err
	}
	ticks := pm.utime + pm.stime + pm.cutime + pm.cstime
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.ppid != p.postmaster {
			continue // not a child, or gone since ReadDir
		}
		ticks += st.utime + st.stime + st.cutime + st.cstime
	}
	return float64(ticks) / clockTicks, nil
}
