//! Measuring a flow: run it repeatedly, each execution isolated exactly as
//! `run` isolates it, at a given concurrency, and report throughput,
//! latency percentiles, the cold first execution, time per phase, memory
//! and failures. The CLI's `bench` renders what this returns.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::Error;
use crate::pipeline::Flow;
use crate::runner::Runner;

mod node;
pub use node::{NodeComparison, NodeReport, compare_with_node};

/// How long to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Stop after this many measured executions ...
    pub iterations: Option<u64>,
    /// ... or after this long (one of the two; iterations win).
    pub duration: Option<Duration>,
    /// Executions run first and not measured (after the cold one).
    pub warmup: u64,
    /// Executions in flight at once (one thread each), at most
    /// [`MAX_CONCURRENCY`]. Beyond the runner's threads or workers they
    /// queue; the report counts the wait apart from the latency.
    pub concurrency: usize,
    /// Set (e.g. by Ctrl-C) to stop early: the report covers what was
    /// measured until then.
    pub stop: Option<Arc<AtomicBool>>,
}

/// The most executions `bench` keeps in flight (one thread each).
pub const MAX_CONCURRENCY: usize = 256;

/// The longest `bench` measures for.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

impl BenchConfig {
    /// Whether this measures anything: at least one iteration, a duration
    /// above zero and at most [`MAX_DURATION`], a concurrency from 1 to
    /// [`MAX_CONCURRENCY`].
    pub fn check(&self) -> Result<(), String> {
        if self.iterations == Some(0) {
            return Err("0 iterations measure nothing: give at least 1".into());
        }
        if let Some(duration) = self.duration.filter(|_| self.iterations.is_none()) {
            if duration.is_zero() {
                return Err("a duration of 0 measures nothing".into());
            }
            if duration > MAX_DURATION {
                return Err(format!(
                    "a duration of {}s is more than the most bench measures, {}",
                    duration.as_secs(),
                    humantime::format_duration(MAX_DURATION)
                ));
            }
        }
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            return Err(format!(
                "a concurrency of {} is not between 1 and {MAX_CONCURRENCY}",
                self.concurrency
            ));
        }
        Ok(())
    }

    fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }
}

impl Default for BenchConfig {
    fn default() -> BenchConfig {
        BenchConfig {
            iterations: None,
            duration: Some(Duration::from_secs(5)),
            warmup: 50,
            concurrency: 1,
            stop: None,
        }
    }
}

/// Latency figures, in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Latency {
    pub mean: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

impl Latency {
    /// From unsorted samples.
    pub fn of(samples: &mut [u64]) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        samples.sort_unstable();
        let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
        Latency {
            mean: samples.iter().sum::<u64>() / samples.len() as u64,
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: samples[samples.len() - 1],
        }
    }
}

/// Mean time per execution in each phase, in microseconds. The phases
/// from `prepare` to `outcome` follow one execution from start to outcome
/// and add up to its latency; `other` is what no phase measured (the
/// clock reads between them), and `free` comes after the latency.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Phases {
    /// Before the scripts: checking them, the event, packages, keys.
    pub prepare: u64,
    /// To the executor thread or worker process and back.
    pub handoff: u64,
    /// Runtime and context creation, actionbox's own JavaScript.
    pub isolate: u64,
    /// The event in and the `api` built.
    pub event: u64,
    /// The script's bytecode and its module-level code.
    pub load: u64,
    /// The handler (or Rule) until it settled.
    pub handler: u64,
    /// The executor's Rust work around the scripts (their events, records
    /// and the transaction).
    pub host: u64,
    /// Building and signing the tokens.
    pub tokens: u64,
    /// The outcome decided, assembled and masked.
    pub outcome: u64,
    /// The latency no phase above accounts for.
    pub other: u64,
    /// Freeing the execution's isolates, or rewinding the one built ahead
    /// to its image for the next execution (docs/performance.md, "Seventh
    /// round"), after the result was handed back (off the latency, still
    /// on the executor). Measured in this process only: 0 with worker
    /// processes.
    pub free: u64,
    /// Building the next execution's isolate ahead of it (runtime,
    /// context, the runtime's own JavaScript loaded), after the result was handed
    /// back: off the latency, still on the executor. 0 while the isolate
    /// is rewound instead. Measured in this process only: 0 with worker
    /// processes.
    pub ahead: u64,
}

/// One bucket of the latency histogram: executions that took less than
/// `below_us` (and at least the previous bucket's bound).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub below_us: u64,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub concurrency: usize,
    pub cores: usize,
    pub isolation: &'static str,
    /// Measured executions (warmup and the cold one excluded).
    pub executions: u64,
    /// Failed executions, those that ended after the flow's deadline
    /// included.
    pub failed: u64,
    /// Executions whose outcome was a success but that ended after the
    /// flow's deadline: counted as failed, as Auth0 would fail them.
    pub past_deadline: u64,
    /// Stopped early (Ctrl-C): the figures cover what was measured.
    pub interrupted: bool,
    /// The first failure's message.
    pub first_error: Option<String>,
    pub elapsed_ms: u64,
    pub executions_per_second: f64,
    pub executions_per_second_per_core: f64,
    /// The first execution in this process, compiling included.
    pub cold_us: u64,
    /// From the start of an execution to its outcome; the wait for a free
    /// thread or worker is `queued_us`.
    pub latency_us: Latency,
    /// How long executions waited for a free thread or worker (concurrency
    /// beyond the runner's size queues).
    pub queued_us: Latency,
    pub phases_us: Phases,
    /// The most memory one execution's isolate used.
    pub peak_isolate_bytes: usize,
    /// Peak resident memory of this process, and of the worker processes
    /// when executions run in them, in KiB.
    pub peak_rss_kib: u64,
    pub peak_workers_rss_kib: u64,
    /// CPU time (user and system, every thread of this process and of its
    /// worker processes) per measured execution: what an execution costs
    /// the machine, wherever it ran (the caller, the script threads or
    /// workers, the isolates built ahead and freed). `None` when nothing
    /// could be measured.
    pub cpu_us_per_execution: Option<f64>,
    pub histogram: Vec<Bucket>,
}

/// CPU time this process has used, user and system, in microseconds.
pub(crate) fn process_cpu_us() -> u64 {
    rusage_us(libc::RUSAGE_SELF)
}

/// CPU time, user and system, in microseconds, of `who` (`RUSAGE_SELF`,
/// or `RUSAGE_CHILDREN`: the children that have ended and been waited for).
fn rusage_us(who: libc::c_int) -> u64 {
    // SAFETY: getrusage writes the struct it is given and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return 0;
    }
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    micros(usage.ru_utime) + micros(usage.ru_stime)
}

/// CPU time the worker processes (this process's children) have used so
/// far, user and system, in microseconds: from each one's `/proc/PID/stat`
/// (`None` where /proc is not available). The kernel counts in clock ticks
/// (10 ms), so short runs are coarse.
fn workers_cpu_us() -> Option<u64> {
    // SAFETY: sysconf reads a constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks <= 0 || !std::path::Path::new("/proc/self/stat").exists() {
        return None;
    }
    let used = children(std::process::id())
        .into_iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            // After the command's closing parenthesis: state is field 3,
            // utime and stime fields 14 and 15.
            let rest = stat.rsplit(')').next()?;
            let mut fields = rest.split_whitespace().skip(11);
            let user: u64 = fields.next()?.parse().ok()?;
            let system: u64 = fields.next()?.parse().ok()?;
            Some((user + system) * 1_000_000 / ticks as u64)
        })
        .sum();
    Some(used)
}

/// CPU time an execution may have used so far: this process's, and its
/// workers' when executions run in worker processes (`None` when those
/// cannot be read): the live ones' from /proc, and those replaced (every
/// 1,000 flows, or killed) from `RUSAGE_CHILDREN` once waited for.
fn cpu_us(with_workers: bool) -> Option<u64> {
    let workers = if with_workers {
        workers_cpu_us()? + rusage_us(libc::RUSAGE_CHILDREN)
    } else {
        0
    };
    Some(process_cpu_us() + workers)
}

/// What one execution left for the report.
struct Sample {
    wall_us: u64,
    queued_us: u64,
    phases: Phases,
    peak_bytes: usize,
}

/// Runs `flow` repeatedly with `runner` and measures it. `progress` is told
/// the measured executions done so far and the total (when known) now and
/// then. A flow that cannot start (bad input) is an `Err`; executions that
/// fail count as failures.
pub fn bench(
    runner: &Runner,
    flow: &Flow,
    config: &BenchConfig,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
) -> Result<BenchReport, Error> {
    config.check().map_err(Error::Invalid)?;
    let concurrency = config.concurrency;
    let past_deadline = AtomicU64::new(0);
    // The cold execution: the first in this process (or worker), compiling.
    let started = Instant::now();
    let first = runner.run(flow)?;
    let cold_us = started.elapsed().as_micros() as u64;
    let mut first_error = first.error.as_ref().map(|e| e.message.clone());

    let warmup_left = AtomicU64::new(config.warmup);
    let measured = AtomicU64::new(0);
    let samples: Mutex<Vec<Sample>> = Mutex::new(Vec::new());
    let failures = AtomicU64::new(0);
    let run_errors = AtomicU64::new(0);
    let errors: Mutex<Option<String>> = Mutex::new(None);
    let memory = MemoryWatch::start(runner.isolates_processes());
    let mut measuring_started = Instant::now();
    // When the last measuring thread finished: the progress loop's sleep
    // must not count as measured time.
    let mut measuring_ended = measuring_started;
    // Isolates freed and built ahead before the clock started (the cold
    // one, warmup).
    let mut buried_before = (0, 0);
    let mut cpu_before = None;
    let mut prepared_before = (0, 0);
    let deadline = config
        .iterations
        .is_none()
        .then(|| config.duration.unwrap_or(Duration::from_secs(5)));

    std::thread::scope(|scope| {
        // Warm up every worker before the clock starts.
        let warm: Vec<_> = (0..concurrency)
            .map(|_| {
                scope.spawn(|| {
                    while !config.stopped()
                        && warmup_left
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                                n.checked_sub(1)
                            })
                            .is_ok()
                    {
                        let _ = runner.run(flow);
                    }
                })
            })
            .collect();
        for handle in warm {
            let _ = handle.join();
        }
        // Read before the clock starts: reading the workers' /proc
        // entries takes time of its own.
        cpu_before = cpu_us(runner.isolates_processes());
        measuring_started = Instant::now();
        buried_before = crate::engine::isolate::buried();
        prepared_before = crate::engine::isolate::prepared();
        let end = deadline.map(|d| measuring_started + d);
        let threads: Vec<_> = (0..concurrency)
            .map(|_| {
                let (measured, failures, run_errors, errors, samples, past_deadline) = (
                    &measured,
                    &failures,
                    &run_errors,
                    &errors,
                    &samples,
                    &past_deadline,
                );
                scope.spawn(move || {
                    let mut local = Vec::new();
                    loop {
                        if config.stopped() {
                            break;
                        }
                        if let Some(limit) = config.iterations {
                            if measured.fetch_add(1, Ordering::Relaxed) >= limit {
                                break;
                            }
                        } else if end.is_some_and(|end| Instant::now() >= end) {
                            break;
                        }
                        let started = Instant::now();
                        let result = runner.run(flow);
                        let total_us = started.elapsed().as_micros() as u64;
                        // An execution the stop interrupted (Ctrl-C reaches
                        // the worker processes too) is not a measurement.
                        if config.stopped() {
                            break;
                        }
                        match result {
                            Ok(outcome) => {
                                let queued_us = outcome.timings_us.queued.min(total_us);
                                let wall_us = total_us - queued_us;
                                let error = match judge(
                                    outcome.error.as_ref().map(|e| e.message.as_str()),
                                    wall_us,
                                    flow.limits.timeout,
                                ) {
                                    Verdict::Succeeded => None,
                                    Verdict::Failed(message) => Some(message),
                                    Verdict::PastDeadline(message) => {
                                        past_deadline.fetch_add(1, Ordering::Relaxed);
                                        Some(message)
                                    }
                                };
                                if let Some(error) = error {
                                    failures.fetch_add(1, Ordering::Relaxed);
                                    if let Ok(mut first) = errors.lock() {
                                        first.get_or_insert(error);
                                    }
                                }
                                let mut phases = Phases::default();
                                let mut peak_bytes = 0;
                                for script in &outcome.timings_us.scripts {
                                    phases.isolate += script.phases.isolate_us;
                                    phases.event += script.phases.event_us;
                                    phases.load += script.phases.load_us;
                                    phases.handler += script.phases.handler_us;
                                    peak_bytes = peak_bytes.max(script.peak_memory_bytes);
                                }
                                let timings = &outcome.timings_us;
                                phases.tokens = timings.tokens;
                                phases.prepare = timings.prepare;
                                phases.handoff = timings.handoff;
                                phases.host = timings.host;
                                phases.outcome = timings.outcome;
                                let accounted = phases.prepare
                                    + phases.handoff
                                    + phases.isolate
                                    + phases.event
                                    + phases.load
                                    + phases.handler
                                    + phases.host
                                    + phases.tokens
                                    + phases.outcome;
                                phases.other = wall_us.saturating_sub(accounted);
                                local.push(Sample {
                                    wall_us,
                                    queued_us,
                                    phases,
                                    peak_bytes,
                                });
                            }
                            Err(e) => {
                                failures.fetch_add(1, Ordering::Relaxed);
                                run_errors.fetch_add(1, Ordering::Relaxed);
                                if let Ok(mut first) = errors.lock() {
                                    first.get_or_insert_with(|| e.to_string());
                                }
                            }
                        }
                        if config.iterations.is_none() {
                            measured.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    let ended = Instant::now();
                    if let Ok(mut all) = samples.lock() {
                        all.extend(local);
                    }
                    ended
                })
            })
            .collect();
        // Progress, until the measuring threads are done.
        while threads.iter().any(|t| !t.is_finished()) {
            let done = measured
                .load(Ordering::Relaxed)
                .min(config.iterations.unwrap_or(u64::MAX));
            progress(done, config.iterations);
            std::thread::sleep(Duration::from_millis(100));
        }
        for handle in threads {
            if let Ok(ended) = handle.join() {
                measuring_ended = measuring_ended.max(ended);
            }
        }
    });
    let elapsed = measuring_ended.duration_since(measuring_started);
    let cpu_used_us = cpu_us(runner.isolates_processes())
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    let memory = memory.stop();
    let samples = samples.into_inner().unwrap_or_default();
    progress(samples.len() as u64, config.iterations);
    if first_error.is_none() {
        first_error = errors.into_inner().ok().flatten();
    }
    let executions = samples.len() as u64 + run_errors.load(Ordering::Relaxed);
    let mut walls: Vec<u64> = samples.iter().map(|s| s.wall_us).collect();
    let mut queued: Vec<u64> = samples.iter().map(|s| s.queued_us).collect();
    let n = samples.len().max(1) as u64;
    let mean = |f: fn(&Phases) -> u64| samples.iter().map(|s| f(&s.phases)).sum::<u64>() / n;
    let (freed, freed_us) = crate::engine::isolate::buried();
    let freed = freed.saturating_sub(buried_before.0);
    let freed_us = freed_us.saturating_sub(buried_before.1);
    let (ahead, ahead_us) = crate::engine::isolate::prepared();
    let ahead_us = if ahead > prepared_before.0 {
        ahead_us.saturating_sub(prepared_before.1) / n
    } else {
        0
    };
    let phases = Phases {
        prepare: mean(|p| p.prepare),
        handoff: mean(|p| p.handoff),
        isolate: mean(|p| p.isolate),
        event: mean(|p| p.event),
        load: mean(|p| p.load),
        handler: mean(|p| p.handler),
        host: mean(|p| p.host),
        tokens: mean(|p| p.tokens),
        outcome: mean(|p| p.outcome),
        other: mean(|p| p.other),
        free: if freed == 0 { 0 } else { freed_us / n },
        ahead: ahead_us,
    };
    let histogram = histogram(&walls);
    let latency = Latency::of(&mut walls);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_second = executions as f64 / elapsed.as_secs_f64().max(1e-9);
    Ok(BenchReport {
        concurrency,
        cores,
        isolation: if runner.isolates_processes() {
            "process"
        } else {
            "thread"
        },
        executions,
        failed: failures.load(Ordering::Relaxed),
        past_deadline: past_deadline.load(Ordering::Relaxed),
        interrupted: config.stopped(),
        first_error,
        elapsed_ms: elapsed.as_millis() as u64,
        executions_per_second: per_second,
        executions_per_second_per_core: per_second / concurrency.min(cores) as f64,
        cold_us,
        latency_us: latency,
        queued_us: Latency::of(&mut queued),
        phases_us: phases,
        peak_isolate_bytes: samples.iter().map(|s| s.peak_bytes).max().unwrap_or(0),
        peak_rss_kib: memory.0,
        peak_workers_rss_kib: memory.1,
        cpu_us_per_execution: cpu_used_us
            .filter(|&used| executions > 0 && used > 0)
            .map(|used| used as f64 / executions as f64),
        histogram,
    })
}

/// Log-spaced buckets from 50 µs: each bound is 1.5 × the last.
/// How one measured execution counts.
#[derive(Debug, PartialEq)]
enum Verdict {
    Succeeded,
    /// The outcome's own error.
    Failed(String),
    /// A success that ended after the flow's deadline: Auth0 would have
    /// failed the flow, so bench counts it as failed too.
    PastDeadline(String),
}

/// Judges one execution from its outcome's error and its wall time (queueing
/// excluded) against the flow's deadline.
fn judge(error: Option<&str>, wall_us: u64, deadline: Duration) -> Verdict {
    match error {
        Some(message) => Verdict::Failed(message.to_string()),
        None if u128::from(wall_us) > deadline.as_micros() => Verdict::PastDeadline(format!(
            "an execution ended {} after it started, past the flow's deadline of {}",
            humantime::format_duration(Duration::from_millis(wall_us / 1000)),
            humantime::format_duration(deadline)
        )),
        None => Verdict::Succeeded,
    }
}

fn histogram(walls: &[u64]) -> Vec<Bucket> {
    let Some(&max) = walls.iter().max() else {
        return Vec::new();
    };
    let mut bounds = Vec::new();
    let mut bound = 50.0f64;
    while (bound as u64) <= max {
        bounds.push(bound as u64);
        bound *= 1.5;
    }
    bounds.push(bound as u64);
    let mut buckets: Vec<Bucket> = bounds
        .iter()
        .map(|&below_us| Bucket { below_us, count: 0 })
        .collect();
    for &wall in walls {
        if let Some(bucket) = buckets.iter_mut().find(|b| wall < b.below_us) {
            bucket.count += 1;
        }
    }
    // Leading empty buckets say nothing.
    let first = buckets.iter().position(|b| b.count > 0).unwrap_or(0);
    buckets.split_off(first)
}

/// Samples the resident memory of this process, and of its children when
/// executions run in worker processes, every 50 ms while a measurement runs
/// (finding the children reads every process's `/proc` entry: on a busy
/// machine that cost a measurable share of a thread bench's CPU).
struct MemoryWatch {
    stop: std::sync::Arc<AtomicBool>,
    handle: std::thread::JoinHandle<(u64, u64)>,
}

impl MemoryWatch {
    fn start(with_children: bool) -> MemoryWatch {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let me = std::process::id();
            let (mut own, mut workers) = (0, 0);
            loop {
                own = own.max(rss_kib(me));
                if with_children {
                    workers = workers.max(children(me).into_iter().map(rss_kib).sum());
                }
                if flag.load(Ordering::Relaxed) {
                    return (own, workers);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        MemoryWatch { stop, handle }
    }

    fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or((0, 0))
    }
}

/// `VmRSS` of a process in KiB (0 where /proc is not available).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// The processes whose parent is `pid` (none where /proc is not available).
pub fn children(pid: u32) -> Vec<u32> {
    let parent = pid.to_string();
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
                .filter(|child| {
                    std::fs::read_to_string(format!("/proc/{child}/stat"))
                        .ok()
                        .and_then(|s| {
                            s.rsplit(')')
                                .next()
                                .and_then(|rest| rest.split_whitespace().nth(1).map(str::to_string))
                        })
                        .is_some_and(|ppid| ppid == parent)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_past_the_deadline_counts_as_failed() {
        let deadline = Duration::from_secs(20);
        let verdict = judge(None, 53_000_000, deadline);
        let Verdict::PastDeadline(message) = verdict else {
            panic!("a late success was not judged past the deadline: {verdict:?}");
        };
        assert_eq!(
            message,
            "an execution ended 53s after it started, past the flow's deadline of 20s"
        );
    }

    #[test]
    fn a_success_within_the_deadline_succeeds_and_a_failure_keeps_its_message() {
        let deadline = Duration::from_secs(20);
        assert_eq!(judge(None, 20_000_000, deadline), Verdict::Succeeded);
        assert_eq!(
            judge(Some("Script execution timed out"), 53_000_000, deadline),
            Verdict::Failed("Script execution timed out".into())
        );
    }
}
