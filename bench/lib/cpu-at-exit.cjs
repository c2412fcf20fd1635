// Preloaded (`node --require`, as CommonJS: no ES module loader starts for it) into a
// measured process: at exit, writes the CPU seconds of its main thread alone (Linux, from
// /proc) to the file named by BENCH_CPU_FILE. The process total (user + system of all
// threads, from /usr/bin/time) also counts V8's platform workers: concurrent optimising
// compilation, parallel scavenging, concurrent marking and sweeping; libuv's thread pool
// does nothing measurable in a compilation. They shrink only with what is allocated and
// compiled, and on a loaded machine vary from run to run.

const fs = require("node:fs");

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on("exit", () => {
    try {
      const fields = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1].split(" ");
      // utime and stime, in clock ticks (100 a second on Linux).
      fs.writeFileSync(file, String((Number(fields[11]) + Number(fields[12])) / 100));
    } catch {
      // Not Linux: the process total is all there is.
    }
  });
}
