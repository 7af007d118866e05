//! Worker processes: the hard boundary around hostile scripts.
//!
//! Some QuickJS builtins loop in C without ever polling the interrupt
//! handler (docs/security.md, hazard 1), so one line of script can hold a thread
//! for hours; no in-process mechanism can stop it. Flows therefore run in
//! worker processes (the same binary, `actionbox __worker`) that the parent
//! kills when they pass their deadline plus a short grace, and replaces.
//!
//! A worker gets an empty environment, caps its own address space, and
//! before taking any job forbids itself (seccomp) every system call that
//! opens files, creates sockets, starts programs or signals other processes.
//! It talks to its parent only through its stdin and stdout, one JSON
//! message per line.

pub mod pool;
mod sandbox;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::modules::Resolved;
use crate::engine::services::Services;
use crate::net::{HttpRequest, HttpResponse};
use crate::pipeline::{self, FlowJob, FlowReport};

/// The argument that makes the binary a worker.
pub const WORKER_ARG: &str = "__worker";

/// Parent → worker.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ToWorker {
    Job {
        id: u64,
        job: Box<FlowJob>,
    },
    /// The answer to `FromWorker::Resolve`.
    Resolved {
        result: Result<Resolved, String>,
    },
    /// The answer to `FromWorker::Fetch`.
    Fetched {
        result: Result<HttpResponse, String>,
    },
}

/// `ToWorker::Job` as the parent writes it: the job borrowed, since a copy
/// of it (the event above all) would only be serialised and dropped.
#[derive(Serialize)]
#[serde(tag = "type", rename = "job")]
pub(crate) struct JobMessage<'a> {
    pub id: u64,
    pub job: &'a FlowJob,
}

/// Worker → parent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum FromWorker {
    /// Sandboxed and waiting for jobs.
    Ready,
    /// A script of job `id` is starting (so a killed worker's job can be
    /// attributed to the script that held it).
    Running {
        id: u64,
        script: String,
    },
    Done {
        id: u64,
        report: Box<FlowReport>,
    },
    /// The running flow hit its memory limit (it is failed whatever the
    /// script does next).
    MemoryLimit,
    /// A script requires a package: the parent reads it.
    Resolve {
        from: String,
        request: String,
    },
    /// A script makes an allowed request: the parent performs it.
    Fetch {
        request: HttpRequest,
        budget_ms: u64,
    },
}

/// Options a worker is started with (its command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WorkerOptions {
    /// Address-space cap for the whole worker process.
    pub address_space_bytes: u64,
    /// Stack of the thread that runs scripts.
    pub stack_bytes: usize,
}

impl WorkerOptions {
    pub(crate) fn to_args(self) -> Vec<String> {
        vec![
            WORKER_ARG.to_string(),
            self.address_space_bytes.to_string(),
            self.stack_bytes.to_string(),
        ]
    }

    fn from_args(args: &[String]) -> Option<WorkerOptions> {
        Some(WorkerOptions {
            address_space_bytes: args.first()?.parse().ok()?,
            stack_bytes: args.get(1)?.parse().ok()?,
        })
    }
}

fn send(out: &mut impl Write, message: &FromWorker) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// Runs the worker: `args` are the arguments after `__worker`. Returns the
/// process exit code.
pub fn serve(args: &[String]) -> i32 {
    let Some(options) = WorkerOptions::from_args(args) else {
        eprintln!("actionbox worker: bad arguments {args:?}");
        return 2;
    };
    // Scripts run on a thread with a known, large stack; it is started
    // before the sandbox closes, and it does all the work.
    let handle = std::thread::Builder::new()
        .name("actionbox-worker".into())
        .stack_size(options.stack_bytes)
        .spawn(move || serve_jobs(options));
    match handle.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => 3,
    }
}

fn serve_jobs(options: WorkerOptions) -> i32 {
    // Compile the runtime's own JavaScript before the sandbox closes, so
    // no job pays for it.
    crate::engine::warm_up();
    if let Err(e) = sandbox::enter(options.address_space_bytes) {
        eprintln!("actionbox worker: cannot enter the sandbox: {e}");
        return 4;
    }
    crate::engine::guards::on_memory_tripped(Box::new(|| {
        let _ = send(&mut std::io::stdout(), &FromWorker::MemoryLimit);
    }));
    let mut stdout = std::io::stdout();
    if send(&mut stdout, &FromWorker::Ready).is_err() {
        return 0;
    }
    loop {
        let message = match receive() {
            Ok(Some(message)) => message,
            Ok(None) => return 0,
            Err(e) => {
                eprintln!("actionbox worker: unreadable message: {e}");
                return 5;
            }
        };
        if let ToWorker::Job { id, job } = message {
            let mut progress = |script: &str| {
                let _ = send(
                    &mut std::io::stdout(),
                    &FromWorker::Running {
                        id,
                        script: script.to_string(),
                    },
                );
            };
            let report = pipeline::execute_with(&job, Arc::new(ParentServices), &mut progress);
            let sent = send(
                &mut stdout,
                &FromWorker::Done {
                    id,
                    report: Box::new(report),
                },
            );
            // The parent has the result: now free the isolates and build
            // the next job's.
            crate::engine::isolate::bury();
            crate::engine::isolate::prepare_next();
            if sent.is_err() {
                return 0;
            }
        }
    }
}

/// The worker's stdin, read one message per line by the job loop and by the
/// services waiting for their answers (never both at once: a job runs on
/// the one worker thread).
fn receive() -> Result<Option<ToWorker>, String> {
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(0) => Ok(None),
        Ok(_) => serde_json::from_str(&line)
            .map(Some)
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// The services of a worker: asked of the parent, which may open files and
/// sockets.
struct ParentServices;

impl Services for ParentServices {
    fn resolve_module(&self, from: &str, request: &str) -> Result<Resolved, String> {
        send(
            &mut std::io::stdout(),
            &FromWorker::Resolve {
                from: from.to_string(),
                request: request.to_string(),
            },
        )
        .map_err(|e| e.to_string())?;
        match receive()? {
            Some(ToWorker::Resolved { result }) => result,
            other => Err(format!("the parent answered {other:?} instead of a module")),
        }
    }

    fn fetch(&self, request: &HttpRequest, budget: Duration) -> Result<HttpResponse, String> {
        send(
            &mut std::io::stdout(),
            &FromWorker::Fetch {
                request: request.clone(),
                budget_ms: budget.as_millis() as u64,
            },
        )
        .map_err(|e| e.to_string())?;
        match receive()? {
            Some(ToWorker::Fetched { result }) => result,
            other => Err(format!(
                "the parent answered {other:?} instead of a response"
            )),
        }
    }
}
