//! The parent's side: a pool of worker processes, each running one flow at
//! a time, killed and replaced when it outlives its flow's deadline.

use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{FromWorker, ToWorker, WorkerOptions};
use crate::engine::guards::Tripped;
use crate::engine::{Limits, ScriptRun};
use crate::pipeline::transaction::Transaction;
use crate::pipeline::{FlowJob, FlowReport};
use crate::record::{ErrorKind, ScriptError};
use crate::services::LocalServices;

/// How long past a flow's deadline a worker may take before it is killed:
/// the in-process deadline fires first whenever the engine polls.
pub(crate) const GRACE: Duration = Duration::from_millis(500);

/// How long a worker may go on after its flow hit the memory limit.
const MEMORY_GRACE: Duration = Duration::from_millis(250);

/// A worker serves this many flows, then is replaced (a bound on anything
/// that might accumulate in a long-lived process).
const RECYCLE_AFTER: u32 = 1000;

struct Worker {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Result<FromWorker, String>>,
    served: u32,
}

impl Worker {
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts of what the pool has done, for bench and soak reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub started: u64,
    pub killed: u64,
    pub crashed: u64,
}

pub struct WorkerPool {
    program: PathBuf,
    options: WorkerOptions,
    size: usize,
    idle: Mutex<Vec<Worker>>,
    live: AtomicUsize,
    returned: Condvar,
    next_id: AtomicU64,
    started: AtomicU64,
    killed: AtomicU64,
    crashed: AtomicU64,
}

impl WorkerPool {
    pub(crate) fn new(program: PathBuf, size: usize) -> WorkerPool {
        let limits = Limits::default();
        WorkerPool {
            program,
            options: WorkerOptions {
                // The QuickJS heap limit plus room for the binary, threads
                // and host-side buffers.
                address_space_bytes: (limits.memory_bytes as u64).saturating_mul(4).max(1 << 30)
                    + (1 << 30),
                stack_bytes: limits.thread_stack_bytes(),
            },
            size: size.max(1),
            idle: Mutex::new(Vec::new()),
            live: AtomicUsize::new(0),
            returned: Condvar::new(),
            next_id: AtomicU64::new(1),
            started: AtomicU64::new(0),
            killed: AtomicU64::new(0),
            crashed: AtomicU64::new(0),
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn stats(&self) -> PoolStats {
        PoolStats {
            started: self.started.load(Ordering::Relaxed),
            killed: self.killed.load(Ordering::Relaxed),
            crashed: self.crashed.load(Ordering::Relaxed),
        }
    }

    fn spawn(&self) -> Result<Worker, String> {
        let mut command = Command::new(&self.program);
        command
            .args(self.options.to_args())
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Ok(filter) = std::env::var("RUST_LOG") {
            command.env("RUST_LOG", filter);
        }
        let mut child = command.spawn().map_err(|e| {
            format!(
                "cannot start a worker process ({}): {e}",
                self.program.display()
            )
        })?;
        let stdin = child.stdin.take().ok_or("the worker has no stdin")?;
        let stdout = child.stdout.take().ok_or("the worker has no stdout")?;
        let (sender, messages) = mpsc::channel();
        std::thread::Builder::new()
            .name("actionbox-worker-reader".into())
            .spawn(move || {
                // Parsed from the pipe as it arrives: a report is as large
                // as the event, and its text need not be held beside it.
                let messages = serde_json::Deserializer::from_reader(BufReader::new(stdout))
                    .into_iter::<FromWorker>();
                for message in messages {
                    let message = message.map_err(|e| {
                        if e.is_io() {
                            e.to_string()
                        } else {
                            format!("unreadable worker message: {e}")
                        }
                    });
                    let stop = message.is_err();
                    if sender.send(message).is_err() || stop {
                        return;
                    }
                }
            })
            .map_err(|e| format!("cannot start a reader thread: {e}"))?;
        let mut worker = Worker {
            child,
            stdin,
            messages,
            served: 0,
        };
        match worker.messages.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(FromWorker::Ready)) => {}
            other => {
                let status = worker.child.try_wait().ok().flatten();
                worker.kill();
                return Err(format!(
                    "the worker process did not start ({}){}",
                    match other {
                        Ok(Err(e)) => e,
                        Ok(Ok(m)) => format!("unexpected {m:?}"),
                        Err(e) => e.to_string(),
                    },
                    status.map(|s| format!(", {s}")).unwrap_or_default()
                ));
            }
        }
        self.started.fetch_add(1, Ordering::Relaxed);
        Ok(worker)
    }

    /// An idle worker, a new one while the pool is below its size, or the
    /// next one returned.
    fn checkout(&self) -> Result<Worker, String> {
        let mut idle = self
            .idle
            .lock()
            .map_err(|_| "the worker pool is unusable")?;
        loop {
            if let Some(worker) = idle.pop() {
                return Ok(worker);
            }
            if self.live.load(Ordering::SeqCst) < self.size {
                self.live.fetch_add(1, Ordering::SeqCst);
                drop(idle);
                return self.spawn().inspect_err(|_| self.release_slot());
            }
            idle = self
                .returned
                .wait(idle)
                .map_err(|_| "the worker pool is unusable")?;
        }
    }

    fn checkin(&self, mut worker: Worker) {
        worker.served += 1;
        if worker.served >= RECYCLE_AFTER {
            self.retire(worker);
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(worker);
        }
        self.returned.notify_one();
    }

    fn retire(&self, worker: Worker) {
        worker.kill();
        self.release_slot();
    }

    /// One worker fewer. Counted under the lock `checkout` waits with, so
    /// the wake-up cannot fall between its check and its wait.
    fn release_slot(&self) {
        let idle = self.idle.lock();
        self.live.fetch_sub(1, Ordering::SeqCst);
        drop(idle);
        self.returned.notify_one();
    }

    /// Runs a flow in a worker. A worker that outlives the deadline (plus
    /// grace) is killed and the flow fails with a timeout; one that dies
    /// fails it with the reason.
    /// Also returns how long the flow waited for a worker.
    pub(crate) fn run(&self, job: &FlowJob) -> Result<(Duration, FlowReport), String> {
        let submitted = Instant::now();
        let worker = self.checkout()?;
        let waited = submitted.elapsed();
        self.execute(job, worker).map(|report| (waited, report))
    }

    fn execute(&self, job: &FlowJob, mut worker: Worker) -> Result<FlowReport, String> {
        let services = LocalServices::for_config(&job.node);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        // Written straight to the pipe: neither a copy of the job nor its
        // JSON text (each as large as the event) lives on while it runs.
        let sent = {
            let mut pipe = std::io::BufWriter::new(&mut worker.stdin);
            serde_json::to_writer(&mut pipe, &super::JobMessage { id, job })
                .map_err(std::io::Error::from)
                .and_then(|()| pipe.write_all(b"\n"))
                .and_then(|()| pipe.flush())
        };
        if let Err(e) = sent {
            self.crashed.fetch_add(1, Ordering::Relaxed);
            self.retire(worker);
            return Err(format!("cannot send the flow to its worker: {e}"));
        }
        let mut deadline = started + job.limits.timeout + GRACE;
        let mut current = first_script(job);
        let mut memory_tripped = false;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match worker.messages.recv_timeout(wait) {
                Ok(Ok(FromWorker::Running { id: for_id, script })) if for_id == id => {
                    current = script
                }
                Ok(Ok(FromWorker::Resolve { from, request })) => {
                    let result = services.resolve_module(&from, &request);
                    if answer(&mut worker, &ToWorker::Resolved { result }).is_err() {
                        continue;
                    }
                }
                Ok(Ok(FromWorker::Fetch { request, budget_ms })) => {
                    let result = services.fetch(&request, Duration::from_millis(budget_ms));
                    if answer(&mut worker, &ToWorker::Fetched { result }).is_err() {
                        continue;
                    }
                }
                Ok(Ok(FromWorker::MemoryLimit)) => {
                    // Failed whatever happens next: give the engine a moment
                    // to stop the script itself, then stop the worker.
                    memory_tripped = true;
                    deadline = deadline.min(Instant::now() + MEMORY_GRACE);
                }
                Ok(Ok(FromWorker::Done { id: for_id, report })) if for_id == id => {
                    self.checkin(worker);
                    return Ok(*report);
                }
                Ok(Ok(_)) => {}
                Err(RecvTimeoutError::Timeout) => {
                    self.killed.fetch_add(1, Ordering::Relaxed);
                    self.retire(worker);
                    if memory_tripped {
                        let error =
                            ScriptError::from_tripped(&Tripped::Memory, &current, &job.limits);
                        return Ok(failed_report(job, &current, error));
                    }
                    let error = ScriptError::new(
                        ErrorKind::Timeout,
                        &current,
                        format!(
                            "Request to Webtask exceeded allowed execution time: the script was still running {} after the flow's deadline of {} (it was stuck where the engine cannot interrupt it), so its worker process was killed",
                            humantime::format_duration(GRACE),
                            humantime::format_duration(job.limits.timeout)
                        ),
                    );
                    return Ok(failed_report(job, &current, error));
                }
                Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                    self.crashed.fetch_add(1, Ordering::Relaxed);
                    // An unreadable message comes from a worker that may
                    // still run: stop it before waiting for it.
                    let _ = worker.child.kill();
                    let status = worker.child.wait().ok();
                    self.release_slot();
                    let how = status.map_or_else(|| "unknown status".to_string(), describe_exit);
                    let error = ScriptError::new(
                        ErrorKind::Internal,
                        &current,
                        format!(
                            "the worker process running the script died ({how}); the script may have exhausted the process's memory or stack"
                        ),
                    );
                    return Ok(failed_report(job, &current, error));
                }
            }
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        if let Ok(mut idle) = self.idle.lock() {
            for worker in idle.drain(..) {
                worker.kill();
            }
        }
    }
}

fn answer(worker: &mut Worker, message: &ToWorker) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    worker.stdin.write_all(&line)?;
    worker.stdin.flush()
}

fn first_script(job: &FlowJob) -> String {
    job.rules
        .first()
        .or_else(|| job.actions.first())
        .map_or_else(|| "flow".to_string(), |s| s.name.clone())
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (_, Some(signal)) => format!("killed by signal {signal}"),
        (Some(code), None) => format!("exit code {code}"),
        _ => status.to_string(),
    }
}

/// The report of a flow whose worker had to be stopped: only the failure
/// is known (what the scripts recorded was lost with the process).
fn failed_report(job: &FlowJob, script: &str, error: ScriptError) -> FlowReport {
    let mut run = ScriptRun::new(script);
    run.error = Some(error.clone());
    FlowReport {
        runs: vec![run],
        transaction: Transaction::new(&job.event, job.trigger),
        error: Some(error),
        executor_us: 0,
    }
}
