//! What a worker gives up before it takes a job: a cap on its address
//! space, and (on Linux) the system calls that open files, create sockets,
//! start programs or signal other processes. The filter is installed for
//! every thread of the process; denied calls fail with EPERM.

/// Caps the process's address space and installs the system-call filter.
pub(crate) fn enter(address_space_bytes: u64) -> Result<(), String> {
    limit_address_space(address_space_bytes)?;
    deny_system_calls()
}

fn limit_address_space(bytes: u64) -> Result<(), String> {
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: setrlimit only reads the struct passed by reference.
    let status = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
    if status != 0 {
        return Err(format!(
            "setrlimit(RLIMIT_AS): {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn deny_system_calls() -> Result<(), String> {
    use std::collections::BTreeMap;

    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter};

    let mut denied: Vec<libc::c_long> = vec![
        // Files.
        libc::SYS_openat,
        libc::SYS_openat2,
        libc::SYS_open_by_handle_at,
        libc::SYS_unlinkat,
        libc::SYS_renameat2,
        libc::SYS_mkdirat,
        libc::SYS_linkat,
        libc::SYS_symlinkat,
        libc::SYS_fchmodat,
        libc::SYS_fchownat,
        libc::SYS_truncate,
        libc::SYS_mknodat,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_chroot,
        // Network.
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_connect,
        libc::SYS_bind,
        libc::SYS_listen,
        libc::SYS_accept,
        libc::SYS_accept4,
        // io_uring performs opens, sockets and connects without those calls.
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        // Programs and other processes (signals included).
        libc::SYS_execve,
        libc::SYS_execveat,
        libc::SYS_ptrace,
        libc::SYS_kill,
        libc::SYS_tkill,
        libc::SYS_tgkill,
        libc::SYS_rt_sigqueueinfo,
        libc::SYS_rt_tgsigqueueinfo,
        libc::SYS_pidfd_send_signal,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_setuid,
        libc::SYS_setgid,
    ];
    // The older calls only some architectures still have.
    #[cfg(target_arch = "x86_64")]
    denied.extend([
        libc::SYS_open,
        libc::SYS_creat,
        libc::SYS_unlink,
        libc::SYS_rename,
        libc::SYS_renameat,
        libc::SYS_mkdir,
        libc::SYS_rmdir,
        libc::SYS_link,
        libc::SYS_symlink,
        libc::SYS_chmod,
        libc::SYS_chown,
        libc::SYS_mknod,
        libc::SYS_fork,
        libc::SYS_vfork,
    ]);
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> =
        denied.iter().map(|nr| (*nr, Vec::new())).collect();
    let arch = std::env::consts::ARCH
        .try_into()
        .map_err(|e| format!("seccomp does not support this architecture: {e:?}"))?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| format!("seccomp filter: {e}"))?;
    let program: BpfProgram = filter
        .try_into()
        .map_err(|e| format!("seccomp program: {e:?}"))?;
    seccompiler::apply_filter_all_threads(&program).map_err(|e| format!("seccomp: {e}"))
}

#[cfg(not(target_os = "linux"))]
fn deny_system_calls() -> Result<(), String> {
    // No seccomp: the worker still runs with an empty environment, capped
    // memory and a killable deadline.
    Ok(())
}
