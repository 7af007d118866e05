//! Sticky limit flags shared by the allocator, the interrupt handler and the
//! host functions of one isolate.
//!
//! A limit hit is recorded here, outside JavaScript's reach: QuickJS reports
//! an allocation failure as an ordinary (often `null`) exception that a
//! script can catch and ignore (docs/security.md, hazard 2), so the host never
//! trusts what the script saw. Once anything is recorded, the interrupt
//! handler stops the script at its next poll.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Instant;

use rquickjs::allocator::{Allocator, RustAllocator};

/// Told when any isolate of this process first hits its memory limit. A
/// worker process uses it to tell its parent at once: a script that keeps
/// catching the out-of-memory exception may never let the interrupt handler
/// end it, and then the parent kills the worker.
static MEMORY_TRIPPED: OnceLock<Box<dyn Fn() + Send + Sync>> = OnceLock::new();

pub(crate) fn on_memory_tripped(notify: Box<dyn Fn() + Send + Sync>) {
    let _ = MEMORY_TRIPPED.set(notify);
}

/// Why an isolate was stopped by the host rather than by the script.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tripped {
    Timeout,
    Memory,
    /// A host function panicked, or a host-side cap (commands, timers) was
    /// exceeded; the text says which.
    Host(String),
}

pub(crate) struct Guards {
    deadline: Instant,
    memory_limit: usize,
    memory_used: Cell<usize>,
    memory_peak: Cell<usize>,
    memory_hit: Cell<bool>,
    timed_out: Cell<bool>,
    host: RefCell<Option<String>>,
}

impl Guards {
    pub(crate) fn new(deadline: Instant, memory_limit: usize) -> Rc<Guards> {
        Rc::new(Guards {
            deadline,
            memory_limit,
            memory_used: Cell::new(0),
            memory_peak: Cell::new(0),
            memory_hit: Cell::new(false),
            timed_out: Cell::new(false),
            host: RefCell::new(None),
        })
    }

    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// What stopped the isolate, if anything. Memory wins over a timeout:
    /// a script that ran out of memory and then spun is a memory problem.
    pub(crate) fn tripped(&self) -> Option<Tripped> {
        if let Some(message) = self.host.borrow().clone() {
            return Some(Tripped::Host(message));
        }
        if self.memory_hit.get() {
            return Some(Tripped::Memory);
        }
        if self.timed_out.get() {
            return Some(Tripped::Timeout);
        }
        None
    }

    pub(crate) fn trip_host(&self, message: impl Into<String>) {
        let mut host = self.host.borrow_mut();
        if host.is_none() {
            *host = Some(message.into());
        }
    }

    pub(crate) fn trip_timeout(&self) {
        self.timed_out.set(true);
    }

    pub(crate) fn peak_memory(&self) -> usize {
        self.memory_peak.get()
    }

    /// Called by QuickJS every few thousand operations.
    pub(crate) fn should_interrupt(&self) -> bool {
        if !self.timed_out.get() && Instant::now() >= self.deadline {
            self.timed_out.set(true);
        }
        self.timed_out.get() || self.memory_hit.get() || self.host.borrow().is_some()
    }

    fn grant(&self, size: usize) -> bool {
        if self.memory_used.get().saturating_add(size) > self.memory_limit {
            if !self.memory_hit.replace(true)
                && let Some(notify) = MEMORY_TRIPPED.get()
            {
                notify();
            }
            return false;
        }
        true
    }

    fn add(&self, size: usize) {
        let used = self.memory_used.get() + size;
        self.memory_used.set(used);
        if used > self.memory_peak.get() {
            self.memory_peak.set(used);
        }
    }

    fn sub(&self, size: usize) {
        self.memory_used
            .set(self.memory_used.get().saturating_sub(size));
    }
}

/// Rust's allocator, counting every byte against the isolate's limit.
pub(crate) struct CountingAllocator {
    pub(crate) guards: Rc<Guards>,
}

// SAFETY: every pointer handed out comes from `RustAllocator`, which meets
// the trait's contract; this wrapper only refuses requests over the limit
// (returning null, which QuickJS handles as out-of-memory) and keeps counts.
unsafe impl Allocator for CountingAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.guards.grant(size) {
            return std::ptr::null_mut();
        }
        let ptr = RustAllocator.alloc(size);
        if !ptr.is_null() {
            // SAFETY: `ptr` was just returned by `RustAllocator`.
            self.guards.add(unsafe { RustAllocator::usable_size(ptr) });
        }
        ptr
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            return std::ptr::null_mut();
        };
        if !self.guards.grant(total) {
            return std::ptr::null_mut();
        }
        let ptr = RustAllocator.calloc(count, size);
        if !ptr.is_null() {
            // SAFETY: `ptr` was just returned by `RustAllocator`.
            self.guards.add(unsafe { RustAllocator::usable_size(ptr) });
        }
        ptr
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        // SAFETY: the caller passes a pointer this allocator returned.
        unsafe {
            self.guards.sub(RustAllocator::usable_size(ptr));
            RustAllocator.dealloc(ptr);
        }
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        // SAFETY: the caller passes a pointer this allocator returned.
        unsafe {
            let old = RustAllocator::usable_size(ptr);
            if new_size > old && !self.guards.grant(new_size - old) {
                return std::ptr::null_mut();
            }
            let new = RustAllocator.realloc(ptr, new_size);
            if !new.is_null() {
                self.guards.sub(old);
                self.guards.add(RustAllocator::usable_size(new));
            }
            new
        }
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        // SAFETY: forwarded contract.
        unsafe { RustAllocator::usable_size(ptr) }
    }
}
