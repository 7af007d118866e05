//! Sticky limit flags shared by the allocator, the interrupt handler and the
//! host functions of one isolate.
//!
//! A limit hit is recorded here, outside JavaScript's reach: QuickJS reports
//! an allocation failure as an ordinary (often `null`) exception that a
//! script can catch and ignore (docs/security.md, hazard 2), so the host never
//! trusts what the script saw. Once anything is recorded, the interrupt
//! handler stops the script at its next poll.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::HashSet;
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
    deadline: Cell<Instant>,
    memory_limit: Cell<usize>,
    memory_used: Cell<usize>,
    memory_peak: Cell<usize>,
    memory_hit: Cell<bool>,
    timed_out: Cell<bool>,
    host: RefCell<Option<String>>,
    /// Host functions entered so far: an isolate built ahead whose
    /// runtime JavaScript called none has seen nothing of any execution.
    host_calls: Cell<u64>,
}

impl Guards {
    pub(crate) fn new(deadline: Instant, memory_limit: usize) -> Rc<Guards> {
        Rc::new(Guards {
            deadline: Cell::new(deadline),
            memory_limit: Cell::new(memory_limit),
            memory_used: Cell::new(0),
            memory_peak: Cell::new(0),
            memory_hit: Cell::new(false),
            timed_out: Cell::new(false),
            host: RefCell::new(None),
            host_calls: Cell::new(0),
        })
    }

    pub(crate) fn deadline(&self) -> Instant {
        self.deadline.get()
    }

    /// Arms the guards of an isolate built ahead (see
    /// `isolate::prepare_next`) with the limits of the execution taking it:
    /// `false` (and nothing changed) when it already holds more memory than
    /// `memory_limit`, or anything was recorded.
    pub(crate) fn arm(&self, deadline: Instant, memory_limit: usize) -> bool {
        if self.memory_used.get() > memory_limit || self.tripped().is_some() {
            return false;
        }
        self.deadline.set(deadline);
        self.memory_limit.set(memory_limit);
        // The execution's peak starts from what it is given, whether the
        // isolate was just built (and peaked while building) or rewound.
        self.memory_peak.set(self.memory_used.get());
        true
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

    /// Back to how the guards stood when an isolate's image was taken
    /// (see `SlabRelease::rewind`): nothing recorded, `memory_used` bytes
    /// in use and that as the peak.
    fn rewind(&self, memory_used: usize) {
        self.memory_used.set(memory_used);
        self.memory_peak.set(memory_used);
        self.memory_hit.set(false);
        self.timed_out.set(false);
        self.host.borrow_mut().take();
        self.host_calls.set(0);
    }

    pub(crate) fn count_host_call(&self) {
        self.host_calls.set(self.host_calls.get().saturating_add(1));
    }

    pub(crate) fn host_calls(&self) -> u64 {
        self.host_calls.get()
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
        if !self.timed_out.get() && Instant::now() >= self.deadline.get() {
            self.timed_out.set(true);
        }
        self.timed_out.get() || self.memory_hit.get() || self.host.borrow().is_some()
    }

    fn grant(&self, size: usize) -> bool {
        if self.memory_used.get().saturating_add(size) > self.memory_limit.get() {
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

/// Rust's allocator, counting every byte against the isolate's limit, with
/// the blocks QuickJS asks for most served from this thread's [`Slab`].
///
/// QuickJS carves its small objects out of 4 KB arenas and asks the
/// allocator only for those arenas and for larger blocks; freeing a runtime
/// returns them all. Through glibc that churn trims the heap and faults the
/// same pages back in for every execution (`madvise` and page faults were
/// ~4% of an execution's CPU; docs/performance.md). A slab that stays with
/// the thread keeps those pages warm and makes each request a bump or a
/// pop from a free list.
pub(crate) struct CountingAllocator {
    guards: Rc<Guards>,
    /// The slab lent to this runtime, and how the runtime ends.
    release: Rc<SlabRelease>,
}

impl CountingAllocator {
    pub(crate) fn new(guards: Rc<Guards>) -> CountingAllocator {
        // A runtime created while another on this thread has the slab
        // uses the global allocator only.
        let slab = if SLAB_LENT.get() {
            None
        } else {
            SPARE_SLAB.take().or_else(Slab::new)
        };
        if slab.is_some() {
            SLAB_LENT.set(true);
        }
        let release = Rc::new(SlabRelease {
            runtime: Cell::new(std::ptr::null_mut()),
            outside: RefCell::new(HashSet::default()),
            has_slab: slab.is_some(),
            slab: UnsafeCell::new(slab),
        });
        CountingAllocator { guards, release }
    }

    /// How the runtime this allocator is given to will be freed: told the
    /// runtime once it exists ([`SlabRelease::attach`]).
    pub(crate) fn release(&self) -> Rc<SlabRelease> {
        self.release.clone()
    }

    fn slab(&mut self) -> Option<&mut Slab> {
        // SAFETY: only this allocator (called by QuickJS) and
        // `SlabRelease::rewind` (called while QuickJS is not running, and
        // never from inside an allocation) reach the slab, both on the
        // runtime's one thread, so no other reference is live.
        unsafe { (*self.release.slab.get()).as_deref_mut() }
    }

    fn owns(&mut self, ptr: *mut u8) -> bool {
        self.slab().is_some_and(|slab| slab.owns(ptr))
    }

    /// Notes a block from the global allocator (`ptr` may be null). Only a
    /// runtime with the slab is ever let go or rewound, so only its blocks
    /// are tracked.
    fn outside_allocated(&self, ptr: *mut u8) {
        if !ptr.is_null() && self.release.has_slab {
            let first = {
                let mut outside = self.release.outside.borrow_mut();
                outside.insert(ptr as usize);
                outside.len() == 1
            };
            if first {
                self.release.update();
            }
        }
    }

    fn outside_freed(&self, ptr: *mut u8) {
        if !self.release.has_slab {
            return;
        }
        let none_left = {
            let mut outside = self.release.outside.borrow_mut();
            outside.remove(&(ptr as usize));
            outside.is_empty()
        };
        if none_left {
            self.release.update();
        }
    }
}

// In the patched QuickJS (vendor/rquickjs-sys/PATCHED.md).
#[cfg(quickjs_discard_on_free)]
unsafe extern "C" {
    /// When set, `JS_FreeRuntime` runs only the finalizers that free
    /// memory outside the runtime (host functions, array buffers) and
    /// frees nothing else.
    fn JS_SetDiscardOnFree(runtime: *mut rquickjs::qjs::JSRuntime, discard: bool);
    /// Pins every object whose finalizer frees memory outside the runtime,
    /// so none is finalized while an image of the runtime refers to it.
    fn JS_PinImage(runtime: *mut rquickjs::qjs::JSRuntime) -> std::ffi::c_int;
    /// Runs the finalizers that free memory outside the runtime for every
    /// such object made since `JS_PinImage`, and frees nothing.
    fn JS_DiscardSinceImage(runtime: *mut rquickjs::qjs::JSRuntime);
    /// Reseeds `Math.random`.
    fn JS_SetRandomSeed(context: *mut rquickjs::qjs::JSContext, seed: u64);
}

/// The slab a runtime was lent, and whether the runtime can be let go
/// with it instead of being freed object by object (docs/performance.md,
/// "Sixth round"): while every live block of the runtime is in the slab,
/// QuickJS is told to skip its teardown (the cycle collector's passes over
/// every object, then one free per block) and the slab is emptied
/// instead. A block from the global allocator (a full slab, a very large
/// block, or no slab at all) turns that off until it is freed again, so
/// nothing is ever leaked. The same holds for rewinding the runtime to an
/// image of its slab ([`SlabImage`], "Seventh round").
pub(crate) struct SlabRelease {
    runtime: Cell<*mut rquickjs::qjs::JSRuntime>,
    /// Live blocks from the global allocator, by address.
    outside: RefCell<HashSet<usize>>,
    has_slab: bool,
    /// The thread's slab while this runtime has it; given back to the
    /// thread when the allocator is dropped.
    slab: UnsafeCell<Option<Box<Slab>>>,
}

impl SlabRelease {
    /// Ties this to the runtime the allocator was given to.
    pub(crate) fn attach(&self, runtime: *mut rquickjs::qjs::JSRuntime) {
        self.runtime.set(runtime);
        self.update();
    }

    /// Whether the runtime, freed now, would be let go with its slab.
    pub(crate) fn discards(&self) -> bool {
        cfg!(quickjs_discard_on_free)
            && self.has_slab
            && self.outside.borrow().is_empty()
            && !self.runtime.get().is_null()
    }

    fn update(&self) {
        #[cfg(quickjs_discard_on_free)]
        {
            let runtime = self.runtime.get();
            // A runtime without the slab is never let go, and the flag is
            // never touched: its last block freed is the runtime itself.
            if self.has_slab && !runtime.is_null() {
                // SAFETY: the runtime is alive: its allocator (which holds
                // this) is dropped only after it is freed, and it was
                // attached right after creation. The call sets a flag.
                unsafe { JS_SetDiscardOnFree(runtime, self.discards()) };
            }
        }
    }

    /// Pins the runtime's objects that hold memory outside it and copies
    /// its memory (see [`SlabImage`]), with `guards`' count of it: `None`
    /// when some of it is outside the slab, or QuickJS is not the patched
    /// one. QuickJS must not be running.
    pub(crate) fn image(&self, guards: &Guards) -> Option<SlabImage> {
        if !self.discards() {
            return None;
        }
        #[cfg(not(quickjs_discard_on_free))]
        {
            let _ = guards;
            None
        }
        #[cfg(quickjs_discard_on_free)]
        {
            // SAFETY: a live runtime (`discards` checked it is attached and
            // not freed), not running.
            if unsafe { JS_PinImage(self.runtime.get()) } != 0 {
                return None;
            }
            // The pins' own table may have gone to the global allocator.
            if !self.discards() {
                return None;
            }
            // SAFETY: as in `CountingAllocator::slab`: QuickJS is not running.
            let slab = unsafe { (*self.slab.get()).as_deref()? };
            Some(SlabImage {
                // SAFETY: the slab was zeroed when made and has only been
                // written since, so its first `used` bytes are initialised.
                bytes: unsafe { std::slice::from_raw_parts(slab.base, slab.used) }.into(),
                free: slab.free,
                memory_used: guards.memory_used.get(),
            })
        }
    }

    /// Puts the runtime back as it was when `image` was taken: runs the
    /// finalizers that free Rust memory for the objects made since, frees
    /// the runtime's blocks from the global allocator, copies the image
    /// over the slab, sets `guards`' count and peak back to the image's,
    /// and reseeds `Math.random` in `context`.
    ///
    /// # Safety
    /// `image` was taken of this runtime, whose one context is `context`.
    /// QuickJS is not running, and nothing holds a JS value made since the
    /// image was taken: after this the runtime is exactly what the image
    /// holds.
    pub(crate) unsafe fn rewind(
        &self,
        image: &SlabImage,
        guards: &Guards,
        context: *mut rquickjs::qjs::JSContext,
    ) {
        #[cfg(quickjs_discard_on_free)]
        // SAFETY: the caller's contract; the runtime is attached and live.
        unsafe {
            JS_DiscardSinceImage(self.runtime.get())
        };
        for block in self.outside.borrow_mut().drain() {
            // SAFETY: a live block `RustAllocator` gave this runtime; only
            // the memory being rewound referred to it.
            unsafe { RustAllocator.dealloc(block as *mut u8) };
        }
        // SAFETY: as in `CountingAllocator::slab`: QuickJS is not running.
        if let Some(slab) = unsafe { (*self.slab.get()).as_deref_mut() } {
            // SAFETY: the image was copied from this slab, so it fits.
            unsafe {
                slab.base
                    .copy_from_nonoverlapping(image.bytes.as_ptr(), image.bytes.len())
            };
            slab.used = image.bytes.len();
            slab.free = image.free;
        }
        guards.rewind(image.memory_used);
        self.update();
        #[cfg(quickjs_discard_on_free)]
        // SAFETY: the context is live (it is in the image).
        unsafe {
            JS_SetRandomSeed(context, rand::random())
        };
        #[cfg(not(quickjs_discard_on_free))]
        let _ = context;
    }
}

/// A copy of a runtime's memory, all of it in its slab, taken right after
/// the runtime was built ahead (docs/performance.md, "Seventh round").
/// Copying it back puts every object, atom and table where it was: the
/// slab is at the same address for the runtime's whole life, so every
/// pointer inside the copy stays valid.
pub(crate) struct SlabImage {
    bytes: Box<[u8]>,
    free: [*mut u8; SLAB_BINS],
    memory_used: usize,
}

impl Drop for CountingAllocator {
    // rquickjs drops the allocator after `JS_FreeRuntime`: nothing in the
    // slab is in use any more.
    fn drop(&mut self) {
        // SAFETY: as in `slab`; QuickJS is done with the runtime.
        if let Some(mut slab) = unsafe { (*self.release.slab.get()).take() } {
            // Freed object by object, a runtime returns every byte first;
            // let go, it returns none.
            if self.guards.memory_used.get() > 0 {
                RUNTIMES_LET_GO.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            slab.reset();
            // At thread exit this thread's slots may be gone already (an
            // isolate waiting in its graveyard is dropped then): the slab
            // is simply freed.
            let _ = SPARE_SLAB.try_with(move |spare| spare.set(Some(slab)));
            let _ = SLAB_LENT.try_with(|lent| lent.set(false));
        }
    }
}

/// Runtimes this process let go with their slab (see [`SlabRelease`]).
static RUNTIMES_LET_GO: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(crate) fn runtimes_let_go() -> u64 {
    RUNTIMES_LET_GO.load(std::sync::atomic::Ordering::Relaxed)
}

thread_local! {
    static SPARE_SLAB: Cell<Option<Box<Slab>>> = const { Cell::new(None) };
    /// Whether a live runtime on this thread has the slab.
    static SLAB_LENT: Cell<bool> = const { Cell::new(false) };
}

/// Bytes a slab holds: more than a typical execution's peak (~330 KB), so
/// most runtimes never reach the global allocator; the rest falls back to
/// it.
const SLAB_BYTES: usize = 1 << 20;
/// Blocks up to this size are reused from per-size free lists once freed.
const SLAB_MAX_BLOCK: usize = 4096;
/// Blocks larger than this always come from the global allocator. Those
/// between the two are bumped from the slab and not reused once freed
/// (QuickJS asks for few: its atom and shape tables, large strings and
/// arrays), so that a runtime's tables stay in the slab it is let go with.
const SLAB_LARGEST_BLOCK: usize = 256 << 10;
/// Slab blocks are rounded up to this, so freed ones fall in few bins.
const SLAB_GRAIN: usize = 16;
/// The size header before every block, as `RustAllocator` writes it (so
/// `usable_size` reads both kinds alike).
const HEADER: usize = 8;
/// The slab's free lists, one per size up to `SLAB_MAX_BLOCK`.
const SLAB_BINS: usize = SLAB_MAX_BLOCK / SLAB_GRAIN + 1;

/// One thread's block of memory for QuickJS runtimes, lent to one runtime
/// at a time: blocks are bumped from its start, freed small blocks kept in
/// per-size free lists for reuse, and all of it taken back at once when
/// the runtime is gone.
pub(crate) struct Slab {
    base: *mut u8,
    used: usize,
    /// `free[i]`: freed blocks of `i * SLAB_GRAIN` bytes, linked through
    /// their first word.
    free: [*mut u8; SLAB_BINS],
}

fn slab_layout() -> std::alloc::Layout {
    // A constant size and alignment, both valid.
    std::alloc::Layout::from_size_align(SLAB_BYTES, 16).expect("slab layout")
}

impl Slab {
    fn new() -> Option<Box<Slab>> {
        // Zeroed, so every byte of it is initialised: an image copies the
        // used part, gaps between blocks included.
        // SAFETY: the layout has a non-zero size.
        let base = unsafe { std::alloc::alloc_zeroed(slab_layout()) };
        (!base.is_null()).then(|| {
            Box::new(Slab {
                base,
                used: 0,
                free: [std::ptr::null_mut(); SLAB_BINS],
            })
        })
    }

    fn reset(&mut self) {
        // Tests catch anything that still reads a runtime it let go.
        #[cfg(debug_assertions)]
        // SAFETY: `used` bytes from `base` are inside the slab.
        unsafe {
            self.base.write_bytes(0xA5, self.used)
        };
        self.used = 0;
        self.free = [std::ptr::null_mut(); SLAB_BINS];
    }

    fn owns(&self, ptr: *mut u8) -> bool {
        let at = ptr as usize;
        at >= self.base as usize && at < self.base as usize + SLAB_BYTES
    }

    /// A block of at least `size` bytes, or null when the slab cannot give
    /// one (too big, or full).
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if size == 0 || size > SLAB_LARGEST_BLOCK {
            return std::ptr::null_mut();
        }
        let capacity = size.div_ceil(SLAB_GRAIN) * SLAB_GRAIN;
        if capacity <= SLAB_MAX_BLOCK {
            let bin = capacity / SLAB_GRAIN;
            let head = self.free[bin];
            if !head.is_null() {
                // SAFETY: `head` is a freed block of this slab; its first
                // word is the next free block of the same size.
                self.free[bin] = unsafe { head.cast::<*mut u8>().read() };
                return head;
            }
        }
        if self.used + HEADER + capacity > SLAB_BYTES {
            return std::ptr::null_mut();
        }
        // SAFETY: in bounds (checked above); `used` stays a multiple of 8,
        // so the header and the block are 8-byte aligned.
        unsafe {
            let header = self.base.add(self.used);
            header.cast::<usize>().write(capacity);
            self.used += HEADER + capacity;
            header.add(HEADER)
        }
    }

    /// Whether `ptr`, of `capacity` bytes, is the last block bumped.
    fn is_top(&self, ptr: *mut u8, capacity: usize) -> bool {
        ptr as usize + capacity == self.base as usize + self.used
    }

    /// Grows the last block bumped to hold `size` bytes where it is, when
    /// the slab has room (a table or string growing one step at a time
    /// would otherwise leave a copy behind at each step).
    ///
    /// # Safety
    /// `ptr` is a live block of this slab.
    unsafe fn grow_in_place(&mut self, ptr: *mut u8, size: usize) -> bool {
        // SAFETY: the caller's contract; the header holds the capacity.
        let capacity = unsafe { ptr.sub(HEADER).cast::<usize>().read() };
        let grown = size.div_ceil(SLAB_GRAIN) * SLAB_GRAIN;
        if size > SLAB_LARGEST_BLOCK
            || !self.is_top(ptr, capacity)
            || self.used - capacity + grown > SLAB_BYTES
        {
            return false;
        }
        // SAFETY: as above; the grown block ends inside the slab.
        unsafe { ptr.sub(HEADER).cast::<usize>().write(grown) };
        self.used = self.used - capacity + grown;
        true
    }

    /// Takes back a block `alloc` returned.
    ///
    /// # Safety
    /// `ptr` is a live block of this slab.
    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        // SAFETY: the caller's contract; the header holds the capacity.
        let capacity = unsafe { ptr.sub(HEADER).cast::<usize>().read() };
        if capacity > SLAB_MAX_BLOCK {
            // The last block bumped is taken back now; any other only with
            // the rest at the reset.
            if self.is_top(ptr, capacity) {
                self.used -= HEADER + capacity;
            }
            return;
        }
        let bin = capacity / SLAB_GRAIN;
        // SAFETY: as above; a block is at least 16 bytes.
        unsafe { ptr.cast::<*mut u8>().write(self.free[bin]) };
        self.free[bin] = ptr;
    }
}

impl Drop for Slab {
    fn drop(&mut self) {
        // SAFETY: `base` came from `alloc` with this layout.
        unsafe { std::alloc::dealloc(self.base, slab_layout()) };
    }
}

// SAFETY: every pointer handed out comes from `RustAllocator` or from the
// slab, which writes the same size header before its blocks (so
// `usable_size` works for both) and keeps them 8-byte aligned; a slab block
// is never handed out twice until it is freed, and the slab outlives every
// block (the runtime frees them all before dropping its allocator). This
// wrapper only refuses requests over the limit (returning null, which
// QuickJS handles as out-of-memory) and keeps counts.
unsafe impl Allocator for CountingAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.guards.grant(size) {
            return std::ptr::null_mut();
        }
        let mut ptr = match self.slab() {
            Some(slab) => slab.alloc(size),
            None => std::ptr::null_mut(),
        };
        if ptr.is_null() {
            ptr = RustAllocator.alloc(size);
            self.outside_allocated(ptr);
        }
        if !ptr.is_null() {
            // SAFETY: `ptr` was just returned by the slab or `RustAllocator`.
            self.guards.add(unsafe { Self::usable_size(ptr) });
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
        let from_slab = match self.slab() {
            Some(slab) => slab.alloc(total),
            None => std::ptr::null_mut(),
        };
        let ptr = if from_slab.is_null() {
            let ptr = RustAllocator.calloc(count, size);
            self.outside_allocated(ptr);
            ptr
        } else {
            // SAFETY: a fresh slab block of at least `total` bytes; slab
            // memory is reused, so it is zeroed here.
            unsafe { from_slab.write_bytes(0, total) };
            from_slab
        };
        if !ptr.is_null() {
            // SAFETY: `ptr` was just returned by the slab or `RustAllocator`.
            self.guards.add(unsafe { Self::usable_size(ptr) });
        }
        ptr
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        if ptr == self.release.runtime.get().cast() {
            // The runtime's own block, freed last by `JS_FreeRuntime`:
            // nothing may write to it from here on.
            self.release.runtime.set(std::ptr::null_mut());
        }
        // SAFETY: the caller passes a pointer this allocator returned.
        unsafe {
            self.guards.sub(Self::usable_size(ptr));
            match self.slab() {
                Some(slab) if slab.owns(ptr) => slab.dealloc(ptr),
                _ => {
                    RustAllocator.dealloc(ptr);
                    self.outside_freed(ptr);
                }
            }
        }
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        // SAFETY: the caller passes a pointer this allocator returned.
        unsafe {
            let old = Self::usable_size(ptr);
            if self.owns(ptr) {
                if new_size <= old {
                    return ptr;
                }
                if !self.guards.grant(new_size - old) {
                    return std::ptr::null_mut();
                }
                if let Some(slab) = self.slab()
                    && slab.grow_in_place(ptr, new_size)
                {
                    self.guards.sub(old);
                    self.guards.add(Self::usable_size(ptr));
                    return ptr;
                }
                let new = self.alloc(new_size);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, old);
                    self.dealloc(ptr);
                }
                return new;
            }
            if new_size > old && !self.guards.grant(new_size - old) {
                return std::ptr::null_mut();
            }
            let new = RustAllocator.realloc(ptr, new_size);
            if !new.is_null() {
                if new != ptr && self.release.has_slab {
                    let mut outside = self.release.outside.borrow_mut();
                    outside.remove(&(ptr as usize));
                    outside.insert(new as usize);
                }
                self.guards.sub(old);
                self.guards.add(RustAllocator::usable_size(new));
            }
            new
        }
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        // SAFETY: forwarded contract; slab blocks carry the same header.
        unsafe { RustAllocator::usable_size(ptr) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allocator(limit: usize) -> CountingAllocator {
        CountingAllocator::new(Guards::new(
            Instant::now() + std::time::Duration::from_secs(60),
            limit,
        ))
    }

    #[test]
    fn slab_blocks_are_counted_reused_and_kept_apart() {
        let mut a = allocator(8 << 20);
        assert!(
            a.slab().is_some(),
            "the first runtime on a thread gets the slab"
        );
        let small = a.alloc(40);
        let arena = a.alloc(4088);
        let large = a.alloc(SLAB_LARGEST_BLOCK + 1);
        let slab = a.slab().expect("slab");
        assert!(slab.owns(small) && slab.owns(arena));
        assert!(
            !slab.owns(large),
            "blocks over 256 KB come from the global allocator"
        );
        assert!(!a.release.discards(), "a live global block is not let go");
        // SAFETY: all three were just allocated by `a`.
        let large_size = unsafe { CountingAllocator::usable_size(large) };
        assert!(large_size > SLAB_LARGEST_BLOCK);
        // SAFETY: as above.
        unsafe {
            assert_eq!(CountingAllocator::usable_size(small), 48);
            assert_eq!(CountingAllocator::usable_size(arena), 4096);
            assert_eq!(a.guards.memory_used.get(), 48 + 4096 + large_size);
            small.write_bytes(0xAB, 40);
            a.dealloc(small);
            assert_eq!(a.guards.memory_used.get(), 4096 + large_size);
            // A freed block is handed out again for the same size, zeroed
            // when asked for with calloc.
            let again = a.calloc(5, 8);
            assert_eq!(again, small);
            assert!(
                std::slice::from_raw_parts(again, 40)
                    .iter()
                    .all(|&b| b == 0)
            );
            // Growing a slab block moves it and keeps its bytes.
            again.write_bytes(7, 40);
            let grown = a.realloc(again, 1000);
            assert_ne!(grown, again);
            assert!(
                std::slice::from_raw_parts(grown, 40)
                    .iter()
                    .all(|&b| b == 7)
            );
            assert_eq!(CountingAllocator::usable_size(grown), 1008);
            a.dealloc(grown);
            a.dealloc(arena);
            a.dealloc(large);
        }
        assert_eq!(a.guards.memory_used.get(), 0);
        assert!(a.guards.peak_memory() >= 4096 + large_size);
    }

    #[test]
    fn tables_stay_in_the_slab_and_global_blocks_are_counted() {
        let mut a = allocator(8 << 20);
        // 64 KB tables come from the slab. Freed, one is not handed out
        // again (only blocks up to 4 KB are) unless it was the last one
        // bumped.
        let table = a.alloc(64 << 10);
        let top = a.alloc(64 << 10);
        assert!(a.slab().expect("slab").owns(table));
        assert!(a.slab().expect("slab").owns(top));
        // SAFETY: allocated just above by `a`, each freed once.
        unsafe {
            a.dealloc(table);
            a.dealloc(top);
        }
        let next = a.alloc(64 << 10);
        assert_eq!(next, top, "the last block bumped is taken back");
        // The last block bumped grows where it is; another moves.
        // SAFETY: `next` is live, allocated by `a`.
        let grown = unsafe { a.realloc(next, 100 << 10) };
        assert_eq!(grown, next);
        // SAFETY: as above.
        unsafe { assert_eq!(CountingAllocator::usable_size(grown), 100 << 10) };
        assert_eq!(a.guards.memory_used.get(), 100 << 10);
        let small = a.alloc(100);
        // SAFETY: `grown` is live, allocated by `a`; no longer on top.
        let moved = unsafe { a.realloc(grown, 120 << 10) };
        assert_ne!(moved, grown);
        assert!(a.slab().expect("slab").owns(moved));
        // SAFETY: both live, allocated by `a`, freed once.
        unsafe {
            a.dealloc(small);
            a.dealloc(moved);
        }
        assert_eq!(a.guards.memory_used.get(), 0);
        let next = a.alloc(64 << 10);
        assert_eq!(a.release.outside.borrow().len(), 0);
        let huge = a.alloc(SLAB_LARGEST_BLOCK * 2);
        let huge_too = a.calloc(2, SLAB_LARGEST_BLOCK);
        assert_eq!(a.release.outside.borrow().len(), 2);
        // SAFETY: allocated by `a`, each freed once.
        unsafe {
            let huge = a.realloc(huge, SLAB_LARGEST_BLOCK * 3);
            assert_eq!(a.release.outside.borrow().len(), 2);
            a.dealloc(huge);
            a.dealloc(huge_too);
            a.dealloc(next);
        }
        assert_eq!(a.release.outside.borrow().len(), 0);
        // Not tied to a runtime: never let go.
        assert!(!a.release.discards());
    }

    #[test]
    fn a_runtime_is_let_go_only_while_all_its_blocks_are_in_the_slab() {
        let guards = Guards::new(
            Instant::now() + std::time::Duration::from_secs(60),
            64 << 20,
        );
        let counting = CountingAllocator::new(guards);
        let release = counting.release();
        let runtime = rquickjs::Runtime::new_with_alloc(counting).expect("runtime");
        let context = rquickjs::Context::full(&runtime).expect("context");
        // SAFETY: a live context.
        release.attach(unsafe { rquickjs::qjs::JS_GetRuntime(context.as_raw().as_ptr()) });
        assert_eq!(release.discards(), cfg!(quickjs_discard_on_free));
        context.with(|ctx| {
            // 2 MB of array elements: more than the slab's largest block.
            ctx.eval::<(), _>("globalThis.big = new Array(131072).fill(0);")
                .expect("eval");
            assert!(!release.discards());
            ctx.eval::<(), _>("globalThis.big = undefined;")
                .expect("eval");
        });
        runtime.run_gc();
        assert_eq!(release.discards(), cfg!(quickjs_discard_on_free));
        drop(context);
        drop(runtime);
        // The slab is back and empty for the next runtime on this thread.
        let mut next = allocator(1 << 20);
        assert_eq!(next.slab().expect("slab").used, 0);
    }

    #[test]
    fn a_second_live_runtime_on_the_thread_uses_the_global_allocator() {
        let mut first = allocator(1 << 20);
        let mut second = allocator(1 << 20);
        assert!(first.slab().is_some() && second.slab().is_none());
        drop(second);
        let block = first.alloc(100);
        assert!(first.slab().expect("slab").owns(block));
        // SAFETY: allocated just above by `first`.
        unsafe { first.dealloc(block) };
        drop(first);
        // Given back: the next runtime on this thread gets it, emptied.
        let mut next = allocator(1 << 20);
        let slab = next.slab().expect("slab given back");
        assert_eq!(slab.used, 0);
    }

    #[test]
    fn a_full_slab_falls_back_and_the_limit_still_holds() {
        let mut a = allocator(SLAB_BYTES + (256 << 10));
        let mut blocks = Vec::new();
        // More than the slab holds, in arena-sized blocks.
        for _ in 0..(SLAB_BYTES / 4096 + 16) {
            let block = a.alloc(4000);
            assert!(!block.is_null());
            blocks.push(block);
        }
        let slab = a.slab().expect("slab");
        assert!(
            blocks.iter().any(|&b| !slab.owns(b)),
            "the rest came from the global allocator"
        );
        // Past the memory limit, allocations fail and the limit is recorded.
        let mut refused = false;
        for _ in 0..200 {
            let block = a.alloc(4000);
            if block.is_null() {
                refused = true;
                break;
            }
            blocks.push(block);
        }
        assert!(refused);
        assert_eq!(a.guards.tripped(), Some(Tripped::Memory));
        for block in blocks {
            // SAFETY: each was allocated by `a` and is freed once.
            unsafe { a.dealloc(block) };
        }
        assert_eq!(a.guards.memory_used.get(), 0);
    }
}
