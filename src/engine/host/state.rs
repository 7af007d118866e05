//! What one isolate's host functions share: the records of the running
//! script (commands, logs, warnings), its timers, its requests in flight.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::engine::ExecEnv;
use crate::net::{Disposition, HttpRequest, HttpResponse, RequestRecord};
use crate::record::{Call, Command, LogEntry, LogLevel, Warning};

/// Everything one isolate records. Shared by the host functions.
pub(crate) struct HostState {
    /// The script now running; every record is attributed to it.
    pub script: String,
    pub commands: Vec<Command>,
    pub command_bytes: usize,
    pub logs: Vec<LogEntry>,
    pub log_bytes: usize,
    pub logs_truncated: bool,
    pub warnings: Vec<Warning>,
    pub timers: Timers,
    /// Calls the running script may make (`idToken.setCustomClaim`, ...).
    pub allowed_calls: &'static [Call],
    /// The flow's limits, clock and access to the outside world.
    pub env: ExecEnv,
    /// Requests in flight, and the record of every request made.
    pub fetches: Fetches,
    pub started: Instant,
    /// Promises rejected with nobody handling them (yet): key is the
    /// promise's address while it lives.
    pub unhandled_rejections: Vec<(usize, String)>,
    /// npm packages loaded since the last records were taken.
    pub packages: Vec<crate::record::PackageUse>,
    /// The scripts this isolate compiled, by the file name QuickJS reports
    /// in stack frames: the runtime reads the line an engine error points
    /// at to word its message as V8 does (`o.plan is not a function`).
    pub sources: Vec<LoadedSource>,
    /// Whether `loadRuntime` has added the rest of the host functions
    /// (`install_rest`).
    pub host_complete: bool,
}

/// A script's text, as compiled into the isolate.
pub(crate) struct LoadedSource {
    pub file: String,
    pub text: std::sync::Arc<str>,
    /// How many characters of wrapper precede the text on its first line
    /// (QuickJS's columns on that line count them).
    pub first_line_prefix: usize,
}

/// Scripts one isolate keeps the text of.
const MAX_SOURCES: usize = 64;

impl HostState {
    /// Keeps `text` (compiled as `file`) for error messages.
    pub(crate) fn add_source(
        &mut self,
        file: &str,
        text: std::sync::Arc<str>,
        first_line_prefix: usize,
    ) {
        if self.sources.len() < MAX_SOURCES && !self.sources.iter().any(|s| s.file == file) {
            self.sources.push(LoadedSource {
                file: file.to_string(),
                text,
                first_line_prefix,
            });
        }
    }

    /// Line `line` (1-based) of `file`, with its first line's wrapper
    /// replaced by spaces so QuickJS's columns index it directly.
    pub(crate) fn source_line(&self, file: &str, line: usize) -> Option<String> {
        let source = self.sources.iter().find(|s| s.file == file)?;
        let text = source.text.lines().nth(line.checked_sub(1)?)?;
        Some(if line == 1 {
            format!("{}{text}", " ".repeat(source.first_line_prefix))
        } else {
            text.to_string()
        })
    }
}

/// Timers one isolate may have at once.
pub(super) const MAX_TIMERS: usize = 10_000;

impl HostState {
    pub(crate) fn new(env: ExecEnv) -> HostState {
        HostState {
            script: String::new(),
            commands: Vec::new(),
            command_bytes: 0,
            logs: Vec::new(),
            log_bytes: 0,
            logs_truncated: false,
            warnings: Vec::new(),
            timers: Timers::default(),
            allowed_calls: &[],
            env,
            fetches: Default::default(),
            started: Instant::now(),
            unhandled_rejections: Vec::new(),
            packages: Vec::new(),
            sources: Vec::new(),
            host_complete: false,
        }
    }

    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        self.warnings
            .push(Warning::new(self.script.clone(), message.into()));
    }

    pub(super) fn push_log(&mut self, level: LogLevel, message: String) {
        if self.logs_truncated {
            return;
        }
        let size = message.len() + 1;
        if self.log_bytes + size > self.env.limits.log_bytes {
            self.logs_truncated = true;
            let cap = self.env.limits.log_bytes;
            self.warn(format!(
                "console output passed the {} KiB cap; later lines were dropped (Auth0 keeps 256 KiB per execution)",
                cap / 1024
            ));
            return;
        }
        self.log_bytes += size;
        self.logs.push(LogEntry {
            script: self.script.clone(),
            level,
            message,
        });
    }
}

/// Timers of one isolate, ordered by when they are due.
///
/// A timer's delay counts from the start of the task that set it (the
/// module code, the handler call, a timer callback, a delivered
/// response), not from the moment the call was made: as in Node, whose
/// timers read the event loop's time, cached once per turn. So the timers
/// one task sets fire in the order of their delays (and, for equal delays,
/// the order they were set) however long the task's own code takes.
pub(crate) struct Timers {
    next_id: u32,
    sequence: u64,
    due: BTreeMap<(Instant, u64), u32>,
    active: HashMap<u32, TimerSpec>,
    /// When the task now running started.
    task_started: Instant,
}

impl Default for Timers {
    fn default() -> Timers {
        Timers {
            next_id: 0,
            sequence: 0,
            due: BTreeMap::new(),
            active: HashMap::new(),
            task_started: Instant::now(),
        }
    }
}

struct TimerSpec {
    key: (Instant, u64),
    interval: Option<Duration>,
    /// `unref()`ed timers (such as `AbortSignal.timeout`'s) are not
    /// reported as left pending.
    referenced: bool,
}

impl Timers {
    pub(super) fn start(&mut self, delay: Duration, repeat: bool) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        let key = self.schedule(id, delay);
        self.active.insert(
            id,
            TimerSpec {
                key,
                interval: repeat.then_some(delay),
                referenced: true,
            },
        );
        id
    }

    /// A new task starts: the timers it sets count from now.
    pub(crate) fn begin_task(&mut self) {
        self.task_started = Instant::now();
    }

    fn schedule(&mut self, id: u32, delay: Duration) -> (Instant, u64) {
        self.sequence += 1;
        let key = (self.task_started + delay, self.sequence);
        self.due.insert(key, id);
        key
    }

    pub(super) fn clear(&mut self, id: u32) {
        if let Some(spec) = self.active.remove(&id) {
            self.due.remove(&spec.key);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.active.len()
    }

    /// Timers still pending that the script did not `unref()`.
    pub(crate) fn referenced(&self) -> usize {
        self.active.values().filter(|spec| spec.referenced).count()
    }

    pub(super) fn set_referenced(&mut self, id: u32, referenced: bool) {
        if let Some(spec) = self.active.get_mut(&id) {
            spec.referenced = referenced;
        }
    }

    /// The earliest timer and when it is due.
    pub(crate) fn next(&self) -> Option<(Instant, u32)> {
        self.due.first_key_value().map(|(key, id)| (key.0, *id))
    }

    /// Takes a due timer off the queue (re-arming an interval) and says
    /// whether it was a one-shot timer that is now gone.
    pub(crate) fn fire(&mut self, id: u32) -> bool {
        let Some(spec) = self.active.get(&id) else {
            return true;
        };
        let key = spec.key;
        let interval = spec.interval;
        self.due.remove(&key);
        match interval {
            Some(delay) => {
                let key = self.schedule(id, delay);
                if let Some(spec) = self.active.get_mut(&id) {
                    spec.key = key;
                }
                false
            }
            None => {
                self.active.remove(&id);
                true
            }
        }
    }

    pub(crate) fn clear_all(&mut self) {
        self.due.clear();
        self.active.clear();
    }
}

pub(crate) type Shared = Rc<RefCell<HostState>>;

pub(crate) enum Pending {
    /// Answered (or failed) already; delivered at `ready_at`.
    Ready(Result<HttpResponse, String>),
    /// To be performed by the host.
    Perform(HttpRequest),
}

pub(crate) struct InFlight {
    pub id: u32,
    pub ready_at: Instant,
    pub pending: Pending,
    pub started: Instant,
}

#[derive(Default)]
pub(crate) struct Fetches {
    pub(super) next_id: u32,
    pub in_flight: Vec<InFlight>,
    /// Each request's record, by request id.
    pub(super) records: Vec<(u32, RequestRecord)>,
}

pub(super) const MAX_REQUESTS: usize = 100;

impl Fetches {
    /// When the next request can be delivered (performing one counts as now).
    pub(crate) fn next(&self) -> Option<(Instant, u32)> {
        self.in_flight.iter().map(|f| (f.ready_at, f.id)).min()
    }

    pub(crate) fn take(&mut self, id: u32) -> Option<InFlight> {
        let at = self.in_flight.iter().position(|f| f.id == id)?;
        Some(self.in_flight.remove(at))
    }

    /// The records of the requests that are over; those still in flight
    /// stay until they finish (a Rule may call back before its request
    /// completes).
    pub(crate) fn take_finished(&mut self) -> Vec<RequestRecord> {
        let in_flight = &self.in_flight;
        let (done, pending): (Vec<_>, Vec<_>) = std::mem::take(&mut self.records)
            .into_iter()
            .partition(|(id, _)| !in_flight.iter().any(|f| f.id == *id));
        self.records = pending;
        done.into_iter().map(|(_, record)| record).collect()
    }

    /// Drops the requests still in flight when the script finished (Auth0
    /// does not wait for them either); their records say so. Returns how
    /// many there were.
    pub(crate) fn drop_in_flight(&mut self) -> usize {
        let dropped = std::mem::take(&mut self.in_flight);
        for (id, record) in &mut self.records {
            if dropped.iter().any(|f| f.id == *id) {
                record.error =
                    Some("still in flight when the script finished; not waited for".into());
            }
        }
        dropped.len()
    }

    pub(crate) fn finish(
        &mut self,
        id: u32,
        started: Instant,
        result: &Result<HttpResponse, String>,
        disposition: Disposition,
    ) {
        if let Some((_, entry)) = self
            .records
            .iter_mut()
            .find(|(record_id, _)| *record_id == id)
        {
            entry.duration_ms = started.elapsed().as_millis() as u64;
            entry.disposition = disposition;
            match result {
                Ok(response) => entry.status = Some(response.status),
                Err(e) => entry.error = Some(e.clone()),
            }
        }
    }
}
