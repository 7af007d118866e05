//! `actionbox bench`: measure a flow the way platform engineers need —
//! throughput, latency percentiles, cold start, phases, memory — and,
//! with `--compare-node`, Node's `vm` on the same script in the same run.

use super::render::Lines as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use actionbox::bench::{
    BenchConfig, BenchReport, MAX_CONCURRENCY, NodeComparison, bench, compare_with_node,
};
use actionbox::{Flow, Runner};

use super::options::{ExecOptions, Format, parse_duration};

/// `--duration`: above zero, at most an hour.
fn parse_bench_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    let config = BenchConfig {
        duration: Some(duration),
        ..BenchConfig::default()
    };
    config.check().map_err(|e| format!("'{text}': {e}"))?;
    Ok(duration)
}
use super::render::{self, BOLD, DIM, GREEN, YELLOW, heading, paint};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Rule and Action files, run as one login (Rules first)
    #[arg(required_unless_present = "tenant", value_name = "SCRIPT")]
    pub scripts: Vec<PathBuf>,

    /// The event the scripts see (- for standard input)
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,

    /// Measure this many executions (at least 1)
    #[arg(long, value_name = "N", conflicts_with = "duration",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: Option<u64>,

    /// Measure for this long (default 5s, at most 1h); Ctrl-C stops early
    /// and prints what was measured
    #[arg(long, value_name = "DURATION", value_parser = parse_bench_duration)]
    pub duration: Option<Duration>,

    /// Executions run before measuring (after the cold one)
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub warmup: u64,

    /// Executions in flight at once (default: the number of cores; at most
    /// 256). Beyond the threads or workers they queue, and the wait is
    /// reported apart from the latency
    #[arg(long, value_name = "C",
          value_parser = clap::value_parser!(u16).range(1..=MAX_CONCURRENCY as i64))]
    pub concurrency: Option<u16>,

    /// Leave out building and signing the tokens: measure the scripts alone
    #[arg(long)]
    pub no_tokens: bool,

    /// Also run the same Action in Node's vm module, a fresh context per
    /// execution, and print the ratio measured in this run (needs node)
    #[arg(long)]
    pub compare_node: bool,

    /// Measure these scripts too, on the same event, and print both side
    /// by side (e.g. a Rule --vs its Action replacement)
    #[arg(long = "vs", value_name = "SCRIPT", num_args = 1..)]
    pub vs: Vec<PathBuf>,

    #[command(flatten)]
    pub exec: ExecOptions,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    pub format: Format,
}

#[derive(Debug, Clone, Serialize)]
struct Output {
    scripts: Vec<String>,
    trigger: String,
    report: BenchReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<NodeComparison>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vs: Option<Versus>,
}

#[derive(Debug, Clone, Serialize)]
struct Versus {
    scripts: Vec<String>,
    report: BenchReport,
    /// The first scripts' executions per second ÷ these scripts'.
    throughput_ratio: f64,
}

pub fn execute(args: BenchArgs) -> Result<i32> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // The first Ctrl-C stops measuring and prints what was measured; a
    // second one ends at once.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let mut flow = args.exec.flow(&args.scripts, args.event.as_deref())?;
    flow.issue_tokens = !args.no_tokens;
    let runner = args.exec.runner();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let config = BenchConfig {
        iterations: args.iterations,
        duration: Some(args.duration.unwrap_or(Duration::from_secs(5))),
        warmup: args.warmup,
        concurrency: args
            .concurrency
            .map_or(cores, usize::from)
            .clamp(1, MAX_CONCURRENCY),
        stop: Some(stop.clone()),
    };
    let show_progress = args.format == Format::Pretty && std::io::stderr().is_terminal();
    let report = measure(&runner, &flow, &config, show_progress, "measuring")?;

    let vs = if args.vs.is_empty() || stop.load(Ordering::SeqCst) {
        None
    } else {
        let mut other = args.exec.flow(&args.vs, args.event.as_deref())?;
        other.issue_tokens = flow.issue_tokens;
        let other_report = measure(&runner, &other, &config, show_progress, "measuring --vs")?;
        let ratio = report.executions_per_second / other_report.executions_per_second.max(1e-9);
        Some(Versus {
            scripts: other.scripts.iter().map(|s| s.name.clone()).collect(),
            report: other_report,
            throughput_ratio: ratio,
        })
    };

    let node = if args.compare_node && !stop.load(Ordering::SeqCst) {
        Some(with_progress(
            &config,
            show_progress,
            "measuring actionbox for the Node comparison",
            |progress| compare_with_node(&runner, &flow, &config, progress),
        )?)
    } else {
        None
    };

    let output = Output {
        scripts: flow.scripts.iter().map(|s| s.name.clone()).collect(),
        trigger: flow.trigger.to_string(),
        report,
        node,
        vs,
    };
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&output)?),
        Format::Pretty => pretty(&output),
    };
    render::emit(&text)?;
    Ok(if stop.load(Ordering::SeqCst) {
        130
    } else if output.report.failed == 0 {
        0
    } else {
        1
    })
}

fn measure(
    runner: &Runner,
    flow: &Flow,
    config: &BenchConfig,
    show_progress: bool,
    label: &str,
) -> Result<BenchReport> {
    with_progress(config, show_progress, label, |progress| {
        bench(runner, flow, config, progress)
    })
}

/// Runs `work`, showing its progress on a bar when `show_progress`.
fn with_progress<T>(
    config: &BenchConfig,
    show_progress: bool,
    label: &str,
    work: impl FnOnce(&(dyn Fn(u64, Option<u64>) + Sync)) -> Result<T, actionbox::Error>,
) -> Result<T> {
    let bar = show_progress.then(|| {
        let bar = match config.iterations {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        let template = if config.iterations.is_some() {
            "{msg} [{bar:30}] {pos}/{len} executions ({per_sec})"
        } else {
            "{spinner} {msg}: {pos} executions ({per_sec})"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        bar
    });
    let progress = |done: u64, _total: Option<u64>| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    };
    let result = work(&progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(result?)
}

fn micros(us: u64) -> String {
    render::micros(us)
}

fn kib(kib: u64) -> String {
    if kib >= 10 * 1024 {
        format!("{:.0} MB", kib as f64 / 1024.0)
    } else {
        format!("{:.1} MB", kib as f64 / 1024.0)
    }
}

fn rate(per_second: f64) -> String {
    let whole = per_second.round() as u64;
    let text = whole.to_string();
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i > 0 && (text.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn summary(out: &mut String, report: &BenchReport) {
    if report.interrupted {
        out.line(format_args!(
            "  {}",
            paint(
                YELLOW,
                "interrupted (Ctrl-C): the figures cover the executions measured until then"
            )
        ));
    }
    out.line(format_args!(
        "  executions  {} in {:.2} s   {}/s   {}/s per core",
        rate(report.executions as f64),
        report.elapsed_ms as f64 / 1000.0,
        paint(BOLD, rate(report.executions_per_second)),
        rate(report.executions_per_second_per_core)
    ));
    let l = &report.latency_us;
    out.line(format_args!(
        "  latency     p50 {}   p90 {}   p99 {}   max {}   (mean {})",
        paint(BOLD, micros(l.p50)),
        micros(l.p90),
        paint(BOLD, micros(l.p99)),
        micros(l.max),
        micros(l.mean)
    ));
    let q = &report.queued_us;
    if q.max > 0 {
        out.line(format_args!(
            "  queued      p50 {}   p99 {}   max {}   {}",
            micros(q.p50),
            micros(q.p99),
            micros(q.max),
            paint(
                DIM,
                "(waiting for a free thread or worker; not in the latency)"
            )
        ));
    }
    out.line(format_args!(
        "  cold        {} {}",
        micros(report.cold_us),
        paint(DIM, "(the first execution, compiling included)")
    ));
    let p = &report.phases_us;
    out.line(format_args!(
        "  phases      prepare {} · handoff {} · isolate {} · event {} · load {} · handler {}",
        micros(p.prepare),
        micros(p.handoff),
        micros(p.isolate),
        micros(p.event),
        micros(p.load),
        micros(p.handler),
    ));
    let free = if report.isolation == "process" {
        paint(DIM, "(isolates freed in the workers, not measured here)")
    } else {
        format!(
            "· then free or rewind {} · next isolate ahead {} {}",
            micros(p.free),
            micros(p.ahead),
            paint(DIM, "(after the result, off the latency)")
        )
    };
    out.line(format_args!(
        "              host {} · tokens {} · outcome {} · unmeasured {} {free}",
        micros(p.host),
        micros(p.tokens),
        micros(p.outcome),
        micros(p.other),
    ));
    let workers = if report.isolation == "process" {
        format!(" · workers RSS {}", kib(report.peak_workers_rss_kib))
    } else {
        String::new()
    };
    out.line(format_args!(
        "  memory      peak per execution {} KB · process RSS {}{workers}",
        report.peak_isolate_bytes / 1024,
        kib(report.peak_rss_kib)
    ));
    if let Some(cpu) = report.cpu_us_per_execution {
        out.line(format_args!(
            "  cpu         {} per execution {}",
            micros(cpu.round() as u64),
            paint(
                DIM,
                if report.isolation == "process" {
                    "(this process and its workers: caller, workers, isolates built ahead and freed)"
                } else {
                    "(every thread of this process: caller, script threads, isolates built ahead and freed)"
                }
            )
        ));
    }
    let failed = if report.failed == 0 {
        paint(GREEN, "0")
    } else {
        let late = if report.past_deadline > 0 {
            format!(", {} past the deadline", report.past_deadline)
        } else {
            String::new()
        };
        paint(
            YELLOW,
            format!(
                "{}{late} (first: {})",
                report.failed,
                report.first_error.as_deref().unwrap_or("?")
            ),
        )
    };
    out.line(format_args!("  failed      {failed}"));
}

fn histogram(out: &mut String, report: &BenchReport) {
    let max = report
        .histogram
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut lower = 0;
    for bucket in &report.histogram {
        let width = (bucket.count * 40).div_ceil(max) as usize;
        out.line(format_args!(
            "  {:>9} – {:<9} {} {}",
            micros(lower),
            micros(bucket.below_us),
            "█".repeat(width),
            paint(DIM, bucket.count)
        ));
        lower = bucket.below_us;
    }
}

fn pretty(output: &Output) -> String {
    let mut out = String::new();
    let report = &output.report;
    out.line(format_args!(
        "{} {} ({}, {} isolation, concurrency {} on {} cores)",
        paint(BOLD, "bench"),
        output.scripts.join(" + "),
        output.trigger,
        report.isolation,
        report.concurrency,
        report.cores
    ));
    summary(&mut out, report);
    heading(&mut out, "Latency histogram");
    histogram(&mut out, report);
    if let Some(vs) = &output.vs {
        heading(&mut out, &format!("vs {}", vs.scripts.join(" + ")));
        summary(&mut out, &vs.report);
        out.line(format_args!(
            "\n  {} runs at {:.2}× the throughput of {}",
            output.scripts.join(" + "),
            vs.throughput_ratio,
            vs.scripts.join(" + ")
        ));
    }
    if let Some(node) = &output.node {
        heading(
            &mut out,
            "vs Node's vm (a fresh context per execution, the same script and api facade, one at a time, no tokens)",
        );
        out.line(format_args!(
            "  node {:<10} {:>8}/s   p50 {:>8}   p99 {:>8}   RSS {}",
            node.node.node,
            rate(node.node.executions_per_second),
            micros(node.node.latency_us.p50),
            micros(node.node.latency_us.p99),
            kib(node.node.peak_rss_kib)
        ));
        out.line(format_args!(
            "  actionbox       {:>8}/s   p50 {:>8}   p99 {:>8}   RSS {}",
            rate(node.actionbox.executions_per_second),
            micros(node.actionbox.latency_us.p50),
            micros(node.actionbox.latency_us.p99),
            kib(node.actionbox.peak_rss_kib + node.actionbox.peak_workers_rss_kib)
        ));
        out.line(format_args!(
            "  {} the throughput of Node, {:.1}× lower p99",
            paint(BOLD, format!("{:.2}×", node.throughput_ratio)),
            node.p99_ratio
        ));
        if let (Some(ours), Some(ratio)) = (node.actionbox.cpu_us_per_execution, node.cpu_ratio) {
            out.line(format_args!(
                "  CPU per execution: Node {}, actionbox {} ({:.2}× Node's)",
                micros(node.node.cpu_us_per_execution.round() as u64),
                micros(ours.round() as u64),
                1.0 / ratio
            ));
        }
    }
    out
}
