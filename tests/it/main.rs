//! The integration tests, in one binary: QuickJS and aws-lc are linked
//! once, not once per file. Each module is one subject; `common` holds every
//! helper they share, and `scenarios` runs the folders of
//! `tests/scenarios/` (see docs/testing.md).

mod common;

#[global_allocator]
static ALLOCATOR: common::CountingAllocator = common::CountingAllocator;

mod api;
mod bench;
mod capabilities;
mod cli;
mod compare;
mod console;
mod engine;
mod examples;
mod hostile;
mod inputs;
mod layers;
mod migrate;
mod node;
mod packages;
mod report;
mod rules;
mod scenarios;
mod serve;
mod serve_browser;
mod serve_cli;
mod serve_dbconnections;
mod serve_hostile;
mod serve_management;
mod serve_redis;
mod serve_spa;
mod tenant;
mod tokens;
mod triggers;
