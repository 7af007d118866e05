//! Threads that run scripts. QuickJS runtimes are tied to the thread that
//! made them, and a JavaScript stack limit only protects the process when
//! the thread's own stack is known to be larger (docs/security.md, hazard 7), so
//! scripts never run on a caller's thread: they run here, on threads with a
//! stack size chosen for the limits.
//!
//! Handing a job to a script thread and its result back costs two thread
//! wake-ups. On a virtual machine a core left idle in between is slow to
//! come back, and the execution then runs slower on it too (measured in
//! docs/performance.md, "Seventh round"). So both sides spin for a short
//! while before they sleep: a script thread that just finished waits for
//! the next job, and the caller for its result. The thread that finished
//! last takes the next job, so at one execution at a time the same script
//! thread, with its isolate in its caches, runs them all. On a machine
//! whose cores are all busy, spinning only takes a core from a thread
//! that needs it: a spinning thread that lost its core for a while stops
//! all spinning for a second.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

type Task = Box<dyn FnOnce() + Send + 'static>;

/// How long a thread waiting for a job or a result spins before it sleeps:
/// longer than the caller's turn between two executions, short enough to
/// cost little when no job comes.
const SPIN: Duration = Duration::from_micros(200);
/// How long nothing spins after a spin lost its core.
const SPIN_BACKOFF: Duration = Duration::from_secs(1);

/// When spinning may start again, in microseconds since [`spin_epoch`].
static SPIN_OFF_UNTIL_US: AtomicU64 = AtomicU64::new(0);

fn spin_epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Calls `attempt` until it gives a value or [`SPIN`] has passed; `None`
/// then, or at once while spinning is off.
fn spin<T>(mut attempt: impl FnMut() -> Option<T>) -> Option<T> {
    let now = spin_epoch().elapsed().as_micros() as u64;
    if now < SPIN_OFF_UNTIL_US.load(Ordering::Relaxed) {
        return None;
    }
    let started = Instant::now();
    let mut got = None;
    while got.is_none() && started.elapsed() < SPIN {
        got = attempt();
        std::hint::spin_loop();
    }
    // The loop looks at the clock every few hundred nanoseconds: a spin
    // that overran by a whole `SPIN` lost its core to another thread for
    // that long (a brief preemption by a thread of this process that
    // wakes and sleeps again is no reason to stop).
    if started.elapsed() >= SPIN * 2 {
        let until = spin_epoch().elapsed() + SPIN_BACKOFF;
        SPIN_OFF_UNTIL_US.store(until.as_micros() as u64, Ordering::Relaxed);
    }
    got
}

pub(crate) struct Pool {
    queue: Arc<Queue>,
    stack_bytes: usize,
    size: usize,
}

/// The jobs waiting for a script thread.
struct Queue {
    tasks: Mutex<VecDeque<Task>>,
    /// Signalled for a new job when no script thread is spinning.
    added: Condvar,
    /// Script threads spinning for the next job.
    spinning: AtomicUsize,
    /// Script threads started and not ended.
    threads: AtomicUsize,
    /// Set when the pool is dropped: its threads end once the queue is
    /// empty.
    closed: AtomicBool,
}

impl Queue {
    fn push(&self, task: Task) -> Result<(), Task> {
        let mut tasks = match self.tasks.lock() {
            Ok(tasks) => tasks,
            Err(_) => return Err(task),
        };
        if self.threads.load(Ordering::SeqCst) == 0 {
            return Err(task);
        }
        tasks.push_back(task);
        // A spinning thread takes it; it checks the queue under the lock
        // after it stops spinning, before it sleeps, so none is missed.
        if self.spinning.load(Ordering::SeqCst) == 0 {
            self.added.notify_one();
        }
        Ok(())
    }

    /// The next job: spinning for up to [`SPIN`] first, then sleeping.
    /// `None` when the pool is gone.
    fn pop(&self) -> Option<Task> {
        self.spinning.fetch_add(1, Ordering::SeqCst);
        let spun = spin(|| self.tasks.try_lock().ok()?.pop_front());
        self.spinning.fetch_sub(1, Ordering::SeqCst);
        if spun.is_some() {
            return spun;
        }
        let mut tasks = self.tasks.lock().ok()?;
        loop {
            if let Some(task) = tasks.pop_front() {
                return Some(task);
            }
            if self.closed.load(Ordering::SeqCst) {
                return None;
            }
            tasks = self.added.wait(tasks).ok()?;
        }
    }

    fn close(&self) {
        // Under the lock, so no thread is between its last look at the
        // queue and its wait.
        let _tasks = self.tasks.lock();
        self.closed.store(true, Ordering::SeqCst);
        self.added.notify_all();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.queue.close();
    }
}

impl Pool {
    pub(crate) fn new(size: usize, stack_bytes: usize) -> Pool {
        let queue = Arc::new(Queue {
            tasks: Mutex::new(VecDeque::new()),
            added: Condvar::new(),
            spinning: AtomicUsize::new(0),
            threads: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        });
        for index in 0..size.max(1) {
            let worker_queue = queue.clone();
            // If a thread cannot be started the pool still works with the
            // others; with none at all, `run` falls back to one-off threads.
            queue.threads.fetch_add(1, Ordering::SeqCst);
            let started = thread::Builder::new()
                .name(format!("actionbox-exec-{index}"))
                .stack_size(stack_bytes)
                .spawn(move || work(&worker_queue));
            if started.is_err() {
                queue.threads.fetch_sub(1, Ordering::SeqCst);
            }
        }
        Pool {
            queue,
            stack_bytes,
            size: size.max(1),
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Runs `task` on a pool thread whose stack is at least `stack_bytes`,
    /// and waits for its result.
    pub(crate) fn run<R: Send + 'static>(
        &self,
        stack_bytes: usize,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, String> {
        let (done, result) = mpsc::channel();
        let job: Task = Box::new(move || {
            let _ = done.send(task());
            // The caller has its result: now free the execution's isolates.
            super::isolate::bury();
        });
        if stack_bytes > self.stack_bytes {
            return one_off(stack_bytes, job, result);
        }
        if let Err(job) = self.queue.push(job) {
            return one_off(stack_bytes, job, result);
        }
        receive_soon(&result).ok_or_else(|| {
            "the script thread stopped without a result (a panic in actionbox)".to_string()
        })
    }
}

/// The result, spinning for up to [`SPIN`] before sleeping; `None` when the
/// sender is gone without one.
fn receive_soon<R>(result: &Receiver<R>) -> Option<R> {
    let received = spin(|| match result.try_recv() {
        Err(TryRecvError::Empty) => None,
        Ok(value) => Some(Some(value)),
        Err(TryRecvError::Disconnected) => Some(None),
    });
    match received {
        Some(received) => received,
        None => result.recv().ok(),
    }
}

fn one_off<R>(stack_bytes: usize, job: Task, result: Receiver<R>) -> Result<R, String> {
    thread::Builder::new()
        .name("actionbox-exec".into())
        .stack_size(stack_bytes)
        .spawn(job)
        .map_err(|e| format!("cannot start a script thread: {e}"))?
        .join()
        .map_err(|_| "the script thread panicked".to_string())?;
    result
        .recv()
        .map_err(|_| "the script thread stopped without a result".to_string())
}

fn work(queue: &Queue) {
    while let Some(task) = queue.pop() {
        // A panicking task must not take the thread (and the pool) down.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
        // Build the next execution's isolate while the caller handles
        // this one's result (one-off threads never do: they end with
        // their task).
        let _ = std::panic::catch_unwind(super::isolate::prepare_next);
    }
    queue.threads.fetch_sub(1, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jobs from several callers at once each get their own result, and
    /// dropping the pool ends its threads.
    #[test]
    fn every_job_gets_its_result_and_a_dropped_pool_ends_its_threads() {
        let pool = Arc::new(Pool::new(2, 1 << 20));
        let queue = pool.queue.clone();
        assert_eq!(queue.threads.load(Ordering::SeqCst), 2);
        let callers: Vec<_> = (0..4u64)
            .map(|caller| {
                let pool = pool.clone();
                thread::spawn(move || {
                    for job in 0..200u64 {
                        let expected = caller * 1_000 + job;
                        let got = pool.run(1 << 16, move || expected).expect("a result");
                        assert_eq!(got, expected);
                    }
                })
            })
            .collect();
        for caller in callers {
            caller.join().expect("the caller thread");
        }
        drop(pool);
        // The threads end once they see the pool closed; how soon depends
        // on the machine, so this waits as long as it takes.
        while queue.threads.load(Ordering::SeqCst) != 0 {
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// A job that panics costs neither the caller nor the thread.
    #[test]
    fn a_panicking_job_leaves_the_pool_working() {
        let pool = Pool::new(1, 1 << 20);
        let failed = pool.run(1 << 16, || -> u32 { panic!("a job's panic") });
        assert!(failed.is_err());
        assert_eq!(pool.run(1 << 16, || 7).expect("a result"), 7);
    }
}
