//! Threads that run scripts. QuickJS runtimes are tied to the thread that
//! made them, and a JavaScript stack limit only protects the process when
//! the thread's own stack is known to be larger (docs/security.md, hazard 7), so
//! scripts never run on a caller's thread: they run here, on threads with a
//! stack size chosen for the limits.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

type Task = Box<dyn FnOnce() + Send + 'static>;

pub(crate) struct Pool {
    sender: Mutex<Sender<Task>>,
    stack_bytes: usize,
    size: usize,
}

impl Pool {
    pub(crate) fn new(size: usize, stack_bytes: usize) -> Pool {
        let (sender, receiver) = mpsc::channel::<Task>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..size.max(1) {
            let receiver = receiver.clone();
            // If a thread cannot be started the pool still works with the
            // others; with none at all, `run` falls back to one-off threads.
            let _ = thread::Builder::new()
                .name(format!("actionbox-exec-{index}"))
                .stack_size(stack_bytes)
                .spawn(move || work(&receiver));
        }
        Pool {
            sender: Mutex::new(sender),
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
        let sent = self
            .sender
            .lock()
            .map_err(|_| "the executor pool is unusable".to_string())?
            .send(job);
        if let Err(mpsc::SendError(job)) = sent {
            return one_off(stack_bytes, job, result);
        }
        result.recv().map_err(|_| {
            "the script thread stopped without a result (a panic in actionbox)".to_string()
        })
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

fn work(receiver: &Mutex<Receiver<Task>>) {
    loop {
        let task = match receiver.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        match task {
            // A panicking task must not take the thread (and the pool) down.
            Ok(task) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
                // Build the next execution's isolate while the caller
                // handles this one's result (one-off threads never do: they
                // end with their task).
                let _ = std::panic::catch_unwind(super::isolate::prepare_next);
            }
            Err(_) => return,
        }
    }
}
