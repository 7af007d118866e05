//! The Rule → post-login Action rewrite: the Rule is parsed with oxc, its
//! names are resolved with oxc's scope analysis (so a local that shadows
//! `user` is left alone), and each use of `user`, `context`, `callback` and
//! the Rule globals is rewritten by a span edit, following the mapping in
//! docs/migrate.md. Everything else — comments, names, layout — is the
//! Rule's own text.

use std::collections::BTreeSet;

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::{
    Argument, AssignmentOperator, BindingPattern, Expression, Function, ObjectPropertyKind,
    UnaryOperator, VariableDeclarationKind,
};
use oxc::parser::Parser;
use oxc::semantic::{AstNodes, Scoping, Semantic, SemanticBuilder, SymbolId};
use oxc::span::{GetSpan, SourceType, Span};
use oxc::syntax::node::NodeId;

use super::edits::{Edits, Piece, Range};
use super::{Dependency, ExpectedDifference, Migration, Note};
use crate::error::Error;
use crate::token::{TokenKind, policy};

/// What the rewrite needs besides the Rule.
#[derive(Debug, Clone, Default)]
pub struct RewriteOptions {
    /// The namespace for claims that need one (`https://app.example.com/`);
    /// without it, one the Rule already uses, else a placeholder and a TODO.
    pub namespace: Option<String>,
}

pub const TODO: &str = "TODO(actionbox migrate)";

/// Node's own modules: required without a dependency.
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "buffer",
    "child_process",
    "crypto",
    "dns",
    "events",
    "fs",
    "http",
    "https",
    "net",
    "os",
    "path",
    "punycode",
    "querystring",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "url",
    "util",
    "zlib",
];

/// Groups of Rule `context` fields the Rules-to-Actions table
/// (`event::rules::CONTEXT_FIELDS`) lists one by one, read whole.
const WHOLE_GROUPS: &[(&str, &str)] = &[
    ("context.authentication", "event.authentication"),
    ("context.authorization", "event.authorization"),
    ("context.request", "event.request"),
];

/// Why a Rule `context` path has no Action counterpart, from the
/// Rules-to-Actions table.
fn no_counterpart(path: &str) -> Option<String> {
    let inner = path.strip_prefix("context.")?;
    crate::event::rules::CONTEXT_FIELDS
        .iter()
        .filter(|field| field.counterpart().is_none())
        .find(|field| {
            inner
                .strip_prefix(field.context)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
        .map(|field| {
            if field.note.is_empty() {
                format!("Actions have no counterpart of context.{}", field.context)
            } else {
                field.note.to_string()
            }
        })
}

/// Rewrites one Rule. `name` is the file the Rule came from (for errors).
pub fn rewrite(name: &str, source: &str, options: &RewriteOptions) -> Result<Migration, Error> {
    // A Rule is a function expression, not a declaration: parse it as the
    // engine runs it, in parentheses. Offsets below are in `wrapped`.
    let trimmed = source.trim_end();
    let trimmed = trimmed.strip_suffix(';').unwrap_or(trimmed);
    let wrapped = format!("({trimmed}\n)");
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, &wrapped, SourceType::cjs()).parse();
    if let Some(error) = parsed.diagnostics.errors().next() {
        let offset = error
            .labels
            .first()
            .map_or(0, |l| l.offset().saturating_sub(1));
        let (line, column) = line_column(source, offset as usize);
        return Err(Error::Syntax {
            script: name.to_string(),
            line,
            column,
            message: error.message.to_string(),
        });
    }
    let semantic = SemanticBuilder::new()
        .with_build_nodes(true)
        .build(&parsed.program)
        .semantic;
    let function = rule_function(&parsed.program).ok_or_else(|| {
        Error::invalid(format!(
            "{name}: not a Rule: a Rule is one `function (user, context, callback) {{ … }}`"
        ))
    })?;
    let mut rewriter = Rewriter::new(&wrapped, &semantic, function, options);
    rewriter.run();
    let migration = rewriter.finish(&wrapped);
    check_parses(name, &migration.code)?;
    Ok(migration)
}

/// The Action must parse: an edit that breaks the syntax is a defect of
/// the rewrite, reported with the line it broke rather than as the
/// Action's SyntaxError when the proof runs it.
fn check_parses(name: &str, code: &str) -> Result<(), Error> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, code, SourceType::cjs()).parse();
    let Some(error) = parsed.diagnostics.errors().next() else {
        return Ok(());
    };
    let offset = error.labels.first().map_or(0, |l| l.offset());
    let (line, column) = line_column(code, offset as usize);
    let text = code.lines().nth(line as usize - 1).unwrap_or_default();
    Err(Error::Internal(format!(
        "migrate wrote an Action for {name} that does not parse ({}, at line {line}, column {column}: `{}`); please report it with the Rule",
        error.message,
        text.trim()
    )))
}

fn line_column(source: &str, offset: usize) -> (u32, u32) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    (line, column)
}

fn rule_function<'a>(program: &'a oxc::ast::ast::Program<'a>) -> Option<&'a Function<'a>> {
    let [statement] = program.body.as_slice() else {
        return None;
    };
    let oxc::ast::ast::Statement::ExpressionStatement(statement) = statement else {
        return None;
    };
    match statement.expression.without_parentheses() {
        Expression::FunctionExpression(function) => Some(function),
        _ => None,
    }
}

fn range(span: Span) -> Range {
    Range::new(span.start as usize, span.end as usize)
}

/// A chain of member accesses from a name: `context.request.geoip` is
/// `["request", "geoip"]`, ending at `top`.
struct Chain {
    path: Vec<String>,
    top: NodeId,
    span: Span,
}

/// How a Rule ends: with `return` in the handler itself, or (when it calls
/// back from nested functions) by resolving a promise the handler awaits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Return,
    Done,
}

struct Rewriter<'s, 'a> {
    source: &'s str,
    semantic: &'s Semantic<'a>,
    function: &'a Function<'a>,
    edits: Edits<'s>,
    user: Option<SymbolId>,
    context: Option<SymbolId>,
    callback: Option<SymbolId>,
    namespace: Option<String>,
    namespace_given: bool,
    ending: Ending,
    uses_redirect: bool,
    todos: Vec<(usize, String)>,
    notes: Vec<(usize, String)>,
    secrets: BTreeSet<String>,
    dependencies: Vec<Dependency>,
    expected: Vec<ExpectedDifference>,
    hoisted: Vec<Range>,
    needs_namespace: bool,
    /// `global.*` caches moved to `api.cache`: the Action needs the helpers.
    global_cache: bool,
    /// The Rule reads `context.request.geoip` whole: the Action needs the
    /// helper that gives it the Rule's snake_case keys.
    rule_geoip: bool,
    /// The Rule makes `UnauthorizedError`s it does not pass straight to
    /// the callback: the Action defines the class.
    unauthorized_class: bool,
    /// `const x = require(…)` lines for the Rules sandbox's globals the
    /// Rule uses without requiring them (`request.get`, `_.extend`).
    sandbox_requires: Vec<String>,
    /// Parameters of the Rule's own helper functions that always receive
    /// the Rule's `user`, `context` or callback (`function enrich(user,
    /// context, callback)` called as `enrich(user, context, callback)`):
    /// rewritten as the Rule's own.
    aliases: Vec<(Role, SymbolId)>,
    /// The arguments that pass `context` or the callback to such a
    /// parameter: they become `event` and `done`.
    alias_arguments: Vec<Span>,
}

/// The Rule's three parameters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    User,
    Context,
    Callback,
}

/// How the Rule uses one `global.K`.
#[derive(Clone, Copy)]
enum GlobalUse {
    Read,
    /// `global.K = value`: the assignment.
    Write(NodeId),
    /// `delete global.K;`: the delete expression.
    Delete(NodeId),
    /// Anything a cache does not do: changed in place, called, a client or
    /// a function kept.
    Other,
}

/// Methods that change a value in place: a `global.K` they are called on
/// is a shared object, not a cached value.
const MUTATING_METHODS: &[&str] = &[
    "push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "set", "add", "delete",
    "clear", "assign",
];

/// The helpers an Action gets when the Rule cached values in `global`.
const GLOBAL_CACHE_HELPERS: &str = "\
// The Rule kept values between logins in `global`; the Action keeps them in
// api.cache, as JSON text (a value JSON cannot hold is simply not kept).
function readGlobalCache(api, key) {
  const item = api.cache.get(key);
  return item === undefined ? undefined : JSON.parse(item.value);
}

function writeGlobalCache(api, key, value) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) api.cache.delete(key);
  else api.cache.set(key, text);
  return value;
}
";

/// The class a Rule's `UnauthorizedError` was, for Rules that make one
/// before they call back with it.
const UNAUTHORIZED_ERROR_CLASS: &str = "\
// Rules had an UnauthorizedError class; where this code calls back with one,
// the Action denies the login with its message (api.access.deny).
class UnauthorizedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}
";

/// The helper an Action gets when the Rule read `context.request.geoip`
/// whole: the Rule saw snake_case keys where the Action's event has
/// camelCase ones (the table is `event::rules::GEOIP_KEYS`).
fn rule_geoip_helper() -> String {
    let keys = crate::event::rules::GEOIP_KEYS
        .iter()
        .map(|(camel, snake)| format!("    {camel}: '{snake}',\n"))
        .collect::<String>();
    format!(
        "// The Rule read context.request.geoip, whose keys are snake_case\n\
         // (country_code); the Action's event.request.geoip has them in camelCase.\n\
         function ruleGeoip(geoip) {{\n  \
           const ruleKeys = {{\n{keys}  }};\n  \
           return Object.fromEntries(\n    \
             Object.entries(geoip ?? {{}}).map(([key, value]) => [ruleKeys[key] ?? key, value]),\n  \
           );\n\
         }}\n"
    )
}

/// Whether an expression can never evaluate to `undefined`, as far as its
/// form shows (literals, objects, arithmetic, `x || 'default'`).
fn never_undefined(expression: &Expression<'_>) -> bool {
    use oxc::syntax::operator::LogicalOperator;
    match expression.without_parentheses() {
        Expression::StringLiteral(_)
        | Expression::NumericLiteral(_)
        | Expression::BooleanLiteral(_)
        | Expression::NullLiteral(_)
        | Expression::BigIntLiteral(_)
        | Expression::RegExpLiteral(_)
        | Expression::TemplateLiteral(_)
        | Expression::ObjectExpression(_)
        | Expression::ArrayExpression(_)
        | Expression::NewExpression(_)
        | Expression::BinaryExpression(_)
        | Expression::FunctionExpression(_)
        | Expression::ArrowFunctionExpression(_)
        | Expression::UpdateExpression(_) => true,
        Expression::UnaryExpression(u) => u.operator != UnaryOperator::Void,
        Expression::LogicalExpression(l) => {
            l.operator != LogicalOperator::And && never_undefined(&l.right)
        }
        Expression::ConditionalExpression(c) => {
            never_undefined(&c.consequent) && never_undefined(&c.alternate)
        }
        _ => false,
    }
}

/// Whether an assigned value is data a cache can hold, as far as the
/// code shows: not a function, a class, an instance or a module.
fn is_data(expression: &Expression<'_>) -> bool {
    match expression.without_parentheses() {
        Expression::FunctionExpression(_)
        | Expression::ArrowFunctionExpression(_)
        | Expression::ClassExpression(_)
        | Expression::NewExpression(_) => false,
        Expression::CallExpression(call) => {
            !matches!(&call.callee, Expression::Identifier(id) if id.name == "require")
        }
        Expression::LogicalExpression(logical) => is_data(&logical.left) && is_data(&logical.right),
        Expression::ConditionalExpression(conditional) => {
            is_data(&conditional.consequent) && is_data(&conditional.alternate)
        }
        _ => true,
    }
}

impl<'s, 'a> Rewriter<'s, 'a> {
    fn new(
        source: &'s str,
        semantic: &'s Semantic<'a>,
        function: &'a Function<'a>,
        options: &RewriteOptions,
    ) -> Rewriter<'s, 'a> {
        let param = |i: usize| {
            function.params.items.get(i).and_then(|p| match &p.pattern {
                BindingPattern::BindingIdentifier(id) => id.symbol_id.get(),
                _ => None,
            })
        };
        let namespace = options.namespace.as_ref().map(|n| {
            if n.ends_with('/') {
                n.clone()
            } else {
                format!("{n}/")
            }
        });
        Rewriter {
            source,
            semantic,
            function,
            edits: Edits::new(source),
            user: param(0),
            context: param(1),
            callback: param(2),
            namespace_given: namespace.is_some(),
            namespace,
            ending: Ending::Return,
            uses_redirect: false,
            todos: Vec::new(),
            notes: Vec::new(),
            secrets: BTreeSet::new(),
            dependencies: Vec::new(),
            expected: Vec::new(),
            hoisted: Vec::new(),
            needs_namespace: false,
            global_cache: false,
            rule_geoip: false,
            unauthorized_class: false,
            sandbox_requires: Vec::new(),
            aliases: Vec::new(),
            alias_arguments: Vec::new(),
        }
    }

    fn nodes(&self) -> &'s AstNodes<'a> {
        self.semantic.nodes()
    }

    fn scoping(&self) -> &'s Scoping {
        self.semantic.scoping()
    }

    fn text(&self, span: Span) -> &'s str {
        &self.source[span.start as usize..span.end as usize]
    }

    fn references(&self, symbol: Option<SymbolId>) -> Vec<NodeId> {
        let Some(symbol) = symbol else {
            return Vec::new();
        };
        self.scoping()
            .get_resolved_reference_ids(symbol)
            .iter()
            .map(|id| self.scoping().get_reference(*id).node_id())
            .collect()
    }

    fn role_symbol(&self, role: Role) -> Option<SymbolId> {
        match role {
            Role::User => self.user,
            Role::Context => self.context,
            Role::Callback => self.callback,
        }
    }

    fn role_of(&self, symbol: SymbolId) -> Option<Role> {
        [Role::User, Role::Context, Role::Callback]
            .into_iter()
            .find(|role| self.role_symbol(*role) == Some(symbol))
            .or_else(|| {
                self.aliases
                    .iter()
                    .find(|(_, alias)| *alias == symbol)
                    .map(|(role, _)| *role)
            })
    }

    /// The uses of the Rule's `user`, `context` or callback, through the
    /// parameters of helpers that receive them too.
    fn role_references(&self, role: Role) -> Vec<NodeId> {
        let mut nodes = self.references(self.role_symbol(role));
        for (alias_role, symbol) in &self.aliases {
            if *alias_role == role {
                nodes.extend(self.references(Some(*symbol)));
            }
        }
        nodes
    }

    /// Which of the Rule's parameters an expression names, if any.
    fn expression_role(&self, expression: &Expression<'a>) -> Option<Role> {
        let Expression::Identifier(id) = expression.without_parentheses() else {
            return None;
        };
        let reference = self.scoping().get_reference(id.reference_id.get()?);
        self.role_of(reference.symbol_id()?)
    }

    /// `<user>.<field>`, with `<user>` the Rule's user (or an alias of it).
    fn is_user_field(&self, expression: &Expression<'a>, field: &str) -> bool {
        match expression.without_parentheses() {
            Expression::StaticMemberExpression(m) => {
                m.property.name == field && self.expression_role(&m.object) == Some(Role::User)
            }
            _ => false,
        }
    }

    /// Finds the helpers' parameters that always receive the Rule's
    /// `user`, `context` or callback: each call of the helper passes it
    /// in that place, and the helper is only ever called.
    fn find_aliases(&mut self) {
        let rule = self.rule_function_node();
        loop {
            let mut found = Vec::new();
            for symbol in self.scoping().symbol_ids() {
                let declaration = self.scoping().symbol_declaration(symbol);
                if declaration == rule {
                    continue;
                }
                let params = match self.nodes().kind(declaration) {
                    AstKind::Function(f) => &f.params,
                    AstKind::VariableDeclarator(d) => {
                        let constant = matches!(
                            self.nodes().parent_kind(declaration),
                            AstKind::VariableDeclaration(v) if v.kind == VariableDeclarationKind::Const
                        );
                        match d.init.as_ref().map(Expression::without_parentheses) {
                            Some(Expression::FunctionExpression(f)) if constant => &f.params,
                            Some(Expression::ArrowFunctionExpression(a)) if constant => &a.params,
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                let mut calls = Vec::new();
                let mut only_called = true;
                for node in self.references(Some(symbol)) {
                    let parent = self.nodes().parent_id(node);
                    match self.nodes().kind(parent) {
                        AstKind::CallExpression(call)
                            if call.callee.span() == self.span_of(node) =>
                        {
                            calls.push(call);
                        }
                        _ => only_called = false,
                    }
                }
                if calls.is_empty() || !only_called {
                    continue;
                }
                for (index, param) in params.items.iter().enumerate() {
                    let BindingPattern::BindingIdentifier(id) = &param.pattern else {
                        continue;
                    };
                    let Some(param_symbol) = id.symbol_id.get() else {
                        continue;
                    };
                    if self.role_of(param_symbol).is_some() {
                        continue;
                    }
                    let roles: Vec<Option<Role>> = calls
                        .iter()
                        .map(|call| {
                            call.arguments
                                .get(index)
                                .and_then(Argument::as_expression)
                                .and_then(|e| self.expression_role(e))
                        })
                        .collect();
                    let Some(Some(role)) = roles.first().copied() else {
                        continue;
                    };
                    if roles.iter().all(|r| *r == Some(role)) {
                        let spans = calls
                            .iter()
                            .filter_map(|call| call.arguments.get(index).map(|a| a.span()));
                        self.alias_arguments.extend(spans);
                        found.push((role, param_symbol));
                    }
                }
            }
            if found.is_empty() {
                break;
            }
            self.aliases.extend(found);
        }
    }

    fn global_references(&self, name: &str) -> Vec<NodeId> {
        self.scoping()
            .root_unresolved_references()
            .get(name)
            .map(|ids| {
                ids.iter()
                    .map(|id| self.scoping().get_reference(*id).node_id())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn span_of(&self, node: NodeId) -> Span {
        self.nodes().kind(node).span()
    }

    fn chain(&self, node: NodeId) -> Chain {
        let mut path = Vec::new();
        let mut top = node;
        let mut span = self.span_of(node);
        loop {
            let parent = self.nodes().parent_id(top);
            match self.nodes().kind(parent) {
                AstKind::StaticMemberExpression(m) if m.object.span() == span => {
                    path.push(m.property.name.to_string());
                    span = m.span;
                }
                AstKind::ComputedMemberExpression(m) if m.object.span() == span => {
                    match &m.expression {
                        Expression::StringLiteral(s) => path.push(s.value.to_string()),
                        _ => break,
                    }
                    span = m.span;
                }
                _ => break,
            }
            top = parent;
        }
        Chain { path, top, span }
    }

    /// The assignment `node` is the target of, if any.
    fn assigned_by(
        &self,
        node: NodeId,
    ) -> Option<(NodeId, &'a oxc::ast::ast::AssignmentExpression<'a>)> {
        let parent = self.nodes().parent_id(node);
        match self.nodes().kind(parent) {
            AstKind::AssignmentExpression(a) if a.left.span() == self.span_of(node) => {
                Some((parent, a))
            }
            _ => None,
        }
    }

    /// Whether `node` is the whole expression of an expression statement.
    fn statement_of(&self, node: NodeId) -> Option<NodeId> {
        let mut current = node;
        loop {
            let parent = self.nodes().parent_id(current);
            match self.nodes().kind(parent) {
                AstKind::ParenthesizedExpression(_) => current = parent,
                AstKind::ExpressionStatement(_) => return Some(parent),
                _ => return None,
            }
        }
    }

    /// The function (or arrow) `node` is in.
    fn enclosing_function(&self, node: NodeId) -> Option<NodeId> {
        self.nodes().ancestor_ids(node).find(|id| {
            matches!(
                self.nodes().kind(*id),
                AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
            )
        })
    }

    fn rule_function_node(&self) -> NodeId {
        self.function.node_id.get()
    }

    fn line_start(&self, at: usize) -> usize {
        self.source[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn indent_at(&self, at: usize) -> String {
        let start = self.line_start(at);
        self.source[start..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    }

    /// The statement (in a statement list) `node` belongs to.
    fn enclosing_statement(&self, node: NodeId) -> NodeId {
        for candidate in std::iter::once(node).chain(self.nodes().ancestor_ids(node)) {
            if candidate == NodeId::ROOT {
                break;
            }
            let parent = self.nodes().parent_id(candidate);
            if matches!(
                self.nodes().kind(parent),
                AstKind::FunctionBody(_) | AstKind::BlockStatement(_) | AstKind::SwitchCase(_)
            ) {
                return candidate;
            }
        }
        node
    }

    /// Leaves code in place under a TODO comment.
    fn todo(&mut self, node: NodeId, why: impl Into<String>) {
        let why = why.into();
        let statement = self.enclosing_statement(node);
        let at = self.span_of(statement).start as usize;
        let indent = self.indent_at(at);
        let line_start = self.line_start(at);
        let comment = format!("// {TODO}: {why}\n{indent}");
        // Before the statement, on its own line, as the statement is indented.
        if self.source[line_start..at].trim().is_empty() {
            self.edits
                .insert(line_start, format!("{indent}// {TODO}: {why}\n"));
        } else {
            self.edits.insert(at, comment);
        }
        self.todos.push((at, why));
    }

    fn note(&mut self, node: NodeId, text: impl Into<String>) {
        let at = self.span_of(node).start as usize;
        self.notes.push((at, text.into()));
    }

    fn run(&mut self) {
        if self.function.params.items.len() < 3 && self.callback.is_none() {
            let node = self.rule_function_node();
            self.todo(
                node,
                "the Rule takes fewer than three parameters (user, context, callback)",
            );
        }
        self.find_aliases();
        self.check_names();
        self.decide_ending();
        self.find_namespace();
        self.rewrite_callbacks();
        self.rewrite_context();
        self.rewrite_user();
        self.rewrite_globals();
    }

    /// `event`, `api` and `done` become the Action's names: a Rule that
    /// binds them itself cannot be rewritten by renaming.
    fn check_names(&mut self) {
        let taken: Vec<&str> = ["event", "api", "done"]
            .into_iter()
            .filter(|name| {
                self.scoping()
                    .symbol_ids()
                    .any(|s| self.scoping().symbol_name(s) == *name)
                    || self
                        .scoping()
                        .root_unresolved_references()
                        .contains_key(*name)
            })
            .collect();
        if !taken.is_empty() {
            let node = self.rule_function_node();
            let names = taken.join(", ");
            self.todo(
                node,
                format!("the Rule uses the name(s) {names}, which the Action needs: rename them in the Rule first"),
            );
        }
    }

    /// Callbacks from nested functions (request callbacks, promise handlers)
    /// cannot become `return`: the handler then awaits a promise they
    /// resolve.
    fn decide_ending(&mut self) {
        let rule = self.rule_function_node();
        for node in self.role_references(Role::Callback) {
            let nested = self.enclosing_function(node) != Some(rule);
            let parent = self.nodes().parent_id(node);
            let direct_call = match self.nodes().kind(parent) {
                AstKind::CallExpression(call) if call.callee.span() == self.span_of(node) => {
                    self.statement_of(parent).is_some()
                        || matches!(
                            self.nodes().parent_kind(parent),
                            AstKind::ReturnStatement(_)
                        )
                }
                _ => false,
            };
            if nested || !direct_call {
                self.ending = Ending::Done;
            }
        }
    }

    /// A namespace the Rule already uses for its claims.
    fn find_namespace(&mut self) {
        if self.namespace.is_some() {
            return;
        }
        for node in self.role_references(Role::Context) {
            let chain = self.chain(node);
            let Some(first) = chain.path.first() else {
                // `context.idToken[expr]`: the chain stops before the key.
                continue;
            };
            if first != "idToken" && first != "accessToken" {
                continue;
            }
            let key = match self.claim_target(&chain) {
                Some((_, ClaimKey::Static(key))) => Some(key),
                Some((_, ClaimKey::Expression(expr))) => self.static_string(expr, 0),
                None => None,
            };
            if let Some(key) = key
                && policy::is_namespaced(&key)
                && policy::reserved_namespace(&key).is_none()
                && key.starts_with("http")
                && let Some(cut) = key.rfind('/')
                && cut > "https://".len()
            {
                self.namespace = Some(key[..=cut].to_string());
                return;
            }
        }
    }

    fn namespace(&mut self) -> String {
        match &self.namespace {
            Some(ns) => ns.clone(),
            None => {
                self.needs_namespace = true;
                "https://example.com/".to_string()
            }
        }
    }

    /// A string the expression always evaluates to: literals, `+` of them,
    /// and `const` names bound to them.
    fn static_string(&self, expr: &Expression<'a>, depth: u32) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match expr.without_parentheses() {
            Expression::StringLiteral(s) => Some(s.value.to_string()),
            Expression::TemplateLiteral(t) => {
                let mut out = String::new();
                for (i, quasi) in t.quasis.iter().enumerate() {
                    out.push_str(quasi.value.cooked.as_ref()?.as_str());
                    if let Some(e) = t.expressions.get(i) {
                        out.push_str(&self.static_string(e, depth + 1)?);
                    }
                }
                Some(out)
            }
            Expression::BinaryExpression(b)
                if b.operator == oxc::syntax::operator::BinaryOperator::Addition =>
            {
                Some(
                    self.static_string(&b.left, depth + 1)?
                        + &self.static_string(&b.right, depth + 1)?,
                )
            }
            Expression::Identifier(id) => {
                let reference = self.scoping().get_reference(id.reference_id.get()?);
                let symbol = reference.symbol_id()?;
                let declaration = self.scoping().symbol_declaration(symbol);
                let is_const = matches!(
                    self.nodes().parent_kind(declaration),
                    AstKind::VariableDeclaration(v) if v.kind == VariableDeclarationKind::Const
                );
                match self.nodes().kind(declaration) {
                    AstKind::VariableDeclarator(d) if is_const => {
                        self.static_string(d.init.as_ref()?, depth + 1)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    // ----- callback -----

    fn rewrite_callbacks(&mut self) {
        let rule = self.rule_function_node();
        let body_last = self
            .function
            .body
            .as_ref()
            .and_then(|b| b.statements.last())
            .map(|s| s.span());
        for node in self.role_references(Role::Callback) {
            if self.alias_arguments.contains(&self.span_of(node)) {
                // Passed to a helper whose parameter is rewritten as the
                // callback itself.
                self.edits.replace_text(range(self.span_of(node)), "done");
                continue;
            }
            let parent = self.nodes().parent_id(node);
            let AstKind::CallExpression(call) = self.nodes().kind(parent) else {
                self.todo(
                    node,
                    "the Rule passes its callback on; call api.access.deny(reason) or return where the Rule calls it",
                );
                continue;
            };
            if call.callee.span() != self.span_of(node) {
                self.todo(node, "the Rule passes its callback on");
                continue;
            }
            let denial = call.arguments.first().and_then(|a| self.denial(a));
            match self.ending {
                Ending::Done => {
                    let replacement = match denial {
                        None => vec![Piece::Text("done()".into())],
                        Some(Denial::Always(message)) => {
                            let mut pieces = vec![Piece::Text("done(api.access.deny(".into())];
                            pieces.extend(message);
                            pieces.push(Piece::Text("))".into()));
                            pieces
                        }
                        Some(Denial::IfSet(error, message)) => {
                            let mut pieces = vec![
                                Piece::Text("done(".into()),
                                Piece::Source(error),
                                Piece::Text(" ? api.access.deny(".into()),
                            ];
                            pieces.extend(message);
                            pieces.push(Piece::Text(") : undefined)".into()));
                            pieces
                        }
                    };
                    self.edits.replace(range(call.span), replacement);
                }
                Ending::Return => {
                    let statement = self
                        .statement_of(parent)
                        .or_else(|| {
                            let up = self.nodes().parent_id(parent);
                            matches!(self.nodes().kind(up), AstKind::ReturnStatement(_))
                                .then_some(up)
                        })
                        .unwrap_or(parent);
                    let statement_span = self.span_of(statement);
                    let last_in_rule = body_last == Some(statement_span)
                        && self.enclosing_function(statement) == Some(rule);
                    let replacement = match denial {
                        None if last_in_rule => vec![],
                        None => vec![Piece::Text("return;".into())],
                        Some(Denial::Always(message)) => {
                            let mut pieces = vec![Piece::Text("return api.access.deny(".into())];
                            pieces.extend(message);
                            pieces.push(Piece::Text(");".into()));
                            pieces
                        }
                        Some(Denial::IfSet(error, message)) => {
                            let mut pieces = vec![
                                Piece::Text("if (".into()),
                                Piece::Source(error),
                                Piece::Text(") return api.access.deny(".into()),
                            ];
                            pieces.extend(message);
                            pieces.push(Piece::Text(");".into()));
                            if !last_in_rule {
                                pieces.push(Piece::Text(" return;".into()));
                            }
                            let braces = !matches!(
                                self.nodes().parent_kind(statement),
                                AstKind::FunctionBody(_) | AstKind::BlockStatement(_)
                            );
                            if braces {
                                pieces.insert(0, Piece::Text("{ ".into()));
                                pieces.push(Piece::Text(" }".into()));
                            }
                            pieces
                        }
                    };
                    if replacement.is_empty() {
                        self.remove_line(statement_span);
                    } else {
                        self.edits.replace(range(statement_span), replacement);
                    }
                }
            }
        }
    }

    /// Removes a statement and, when it is alone on its line, the line.
    fn remove_line(&mut self, span: Span) {
        let start = span.start as usize;
        let end = span.end as usize;
        let line_start = self.line_start(start);
        let line_end = self.source[end..]
            .find('\n')
            .map_or(self.source.len(), |i| end + i + 1);
        if self.source[line_start..start].trim().is_empty()
            && self.source[end..line_end].trim().is_empty()
        {
            self.edits
                .replace_text(Range::new(line_start, line_end), "");
        } else {
            self.edits.replace_text(Range::new(start, end), "");
        }
    }

    /// What `callback(error)` denies with, or `None` for `callback(null, …)`.
    fn denial(&mut self, argument: &Argument<'a>) -> Option<Denial> {
        let expr = argument.as_expression()?;
        match expr.without_parentheses() {
            Expression::NullLiteral(_) => None,
            Expression::Identifier(id) if id.name == "undefined" => None,
            Expression::NewExpression(new) if matches!(&new.callee, Expression::Identifier(c) if c.name == "UnauthorizedError" || c.name == "Error") =>
            {
                let unauthorized = matches!(&new.callee, Expression::Identifier(c) if c.name == "UnauthorizedError");
                if unauthorized {
                    let node = new.node_id.get();
                    self.note(node, "callback(new UnauthorizedError(…)) becomes api.access.deny(…): the application receives error=access_denied instead of error=unauthorized (Actions cannot return unauthorized); the description is the same");
                    if !self.expected.contains(&ExpectedDifference::DenialCode) {
                        self.expected.push(ExpectedDifference::DenialCode);
                    }
                }
                let message = new
                    .arguments
                    .first()
                    .and_then(Argument::as_expression)
                    .map_or(Piece::Text("''".into()), |m| Piece::Source(range(m.span())));
                Some(Denial::Always(vec![message]))
            }
            Expression::StringLiteral(s) => {
                Some(Denial::Always(vec![Piece::Source(range(s.span))]))
            }
            Expression::TemplateLiteral(t) => {
                Some(Denial::Always(vec![Piece::Source(range(t.span))]))
            }
            other => {
                let span = other.span();
                let text = self.text(span).to_string();
                let message = if matches!(other, Expression::Identifier(_)) {
                    format!("{text}.message || String({text})")
                } else {
                    format!("(({text}) && ({text}).message) || String({text})")
                };
                // The parameter of a catch clause or of a .catch handler is
                // always an error.
                let always = match other {
                    Expression::Identifier(id) => self.is_error_binding(id),
                    _ => false,
                };
                if always {
                    Some(Denial::Always(vec![Piece::Text(message)]))
                } else {
                    Some(Denial::IfSet(range(span), vec![Piece::Text(message)]))
                }
            }
        }
    }

    fn is_error_binding(&self, id: &oxc::ast::ast::IdentifierReference<'a>) -> bool {
        let Some(reference) = id.reference_id.get() else {
            return false;
        };
        let Some(symbol) = self.scoping().get_reference(reference).symbol_id() else {
            return false;
        };
        let declaration = self.scoping().symbol_declaration(symbol);
        for ancestor in std::iter::once(declaration).chain(self.nodes().ancestor_ids(declaration)) {
            match self.nodes().kind(ancestor) {
                AstKind::CatchClause(_) | AstKind::CatchParameter(_) => return true,
                AstKind::Function(_) | AstKind::ArrowFunctionExpression(_) => {
                    let call = self.nodes().parent_id(ancestor);
                    return matches!(
                        self.nodes().kind(call),
                        AstKind::CallExpression(c)
                            if matches!(&c.callee, Expression::StaticMemberExpression(m) if m.property.name == "catch")
                    );
                }
                _ => {}
            }
        }
        false
    }

    // ----- context -----

    /// For `context.idToken.x` / `context.idToken[expr]`: the claim key.
    fn claim_target(&self, chain: &Chain) -> Option<(NodeId, ClaimKey<'a>)> {
        match chain.path.len() {
            1 => {
                // `context.idToken[expr]`
                let parent = self.nodes().parent_id(chain.top);
                match self.nodes().kind(parent) {
                    AstKind::ComputedMemberExpression(m) if m.object.span() == chain.span => {
                        Some((parent, ClaimKey::Expression(&m.expression)))
                    }
                    _ => None,
                }
            }
            2 => Some((chain.top, ClaimKey::Static(chain.path[1].clone()))),
            _ => None,
        }
    }

    fn rewrite_context(&mut self) {
        for node in self.role_references(Role::Context) {
            if self.in_callback_arguments(node) {
                continue; // `callback(null, user, context)` is rewritten whole
            }
            if self.alias_arguments.contains(&self.span_of(node)) {
                self.edits.replace_text(range(self.span_of(node)), "event");
                continue;
            }
            let chain = self.chain(node);
            let Some(first) = chain.path.first().cloned() else {
                self.todo(node, "the Rule uses context as a whole; the Action's event has other field names (see docs/migrate.md)");
                continue;
            };
            match first.as_str() {
                "idToken" | "accessToken" => self.rewrite_claim(node, &chain, &first),
                "multifactor" => self.rewrite_multifactor(node, &chain),
                "redirect" => self.rewrite_redirect(node, &chain),
                "primaryUser" => {
                    if let Some((assign_node, assign)) = self.assigned_by(chain.top)
                        && chain.path.len() == 1
                        && self.statement_of(assign_node).is_some()
                    {
                        let value = range(assign.right.span());
                        self.edits.replace(
                            range(assign.span),
                            vec![
                                Piece::Text("api.authentication.setPrimaryUser(".into()),
                                Piece::Source(value),
                                Piece::Text(")".into()),
                            ],
                        );
                    } else {
                        self.todo(node, "use api.authentication.setPrimaryUser(id) where the Rule sets context.primaryUser");
                    }
                }
                _ => self.rewrite_context_read(node, &chain),
            }
        }
    }

    /// Whether `node` is in the arguments of a call of the Rule's callback
    /// that the Action drops (all but the error).
    fn in_callback_arguments(&self, node: NodeId) -> bool {
        self.nodes()
            .ancestor_ids(node)
            .any(|id| match self.nodes().kind(id) {
                AstKind::CallExpression(call) => {
                    let callee_is_callback = match &call.callee {
                        Expression::Identifier(ident) => ident
                            .reference_id
                            .get()
                            .and_then(|r| self.scoping().get_reference(r).symbol_id())
                            .is_some_and(|s| self.role_of(s) == Some(Role::Callback)),
                        _ => false,
                    };
                    // The error (the first argument) is kept in the
                    // denial; `user` and `context` after it are dropped.
                    let span = self.span_of(node);
                    callee_is_callback
                        && call
                            .arguments
                            .iter()
                            .skip(1)
                            .any(|a| a.span().contains_inclusive(span))
                }
                _ => false,
            })
    }

    fn rewrite_claim(&mut self, node: NodeId, chain: &Chain, which: &str) {
        let call = if which == "idToken" {
            "idToken"
        } else {
            "accessToken"
        };
        if which == "accessToken" && chain.path.get(1).is_some_and(|p| p == "scope") {
            self.rewrite_scope(node, chain);
            return;
        }
        let Some((target, key)) = self.claim_target(chain) else {
            self.todo(node, format!("the Rule uses context.{which} in a way with no Action counterpart; use api.{call}.setCustomClaim(name, value)"));
            return;
        };
        let Some((assign_node, assign)) = self.assigned_by(target) else {
            self.todo(node, format!("the Rule reads or deletes a claim of context.{which}; an Action can only set claims (api.{call}.setCustomClaim)"));
            return;
        };
        if assign.operator != AssignmentOperator::Assign || self.statement_of(assign_node).is_none()
        {
            self.todo(node, format!("set the claim with api.{call}.setCustomClaim(name, value) as a statement of its own"));
            return;
        }
        let (key_piece, key_value) = match key {
            ClaimKey::Static(name) => (Piece::Text(quote(&name)), Some(name)),
            ClaimKey::Expression(expr) => (
                Piece::Source(range(expr.span())),
                self.static_string(expr, 0),
            ),
        };
        let mut key_piece = key_piece;
        if let Some(key) = key_value
            && let Some(domain) = policy::reserved_namespace(&key)
        {
            let short = key
                .trim_end_matches('/')
                .rsplit(['/', ':'])
                .next()
                .unwrap_or(&key)
                .to_string();
            let fixed = format!("{}{short}", self.namespace());
            self.note(
                assign_node,
                format!("the claim '{key}' is in the reserved namespace {domain}, which Auth0 drops: the Action sets '{fixed}' instead; clients must read that claim"),
            );
            self.expected.push(ExpectedDifference::Claim {
                token: if which == "idToken" {
                    TokenKind::Id
                } else {
                    TokenKind::Access
                },
                rule_claim: Some(key),
                action_claim: fixed.clone(),
            });
            key_piece = Piece::Text(quote(&fixed));
        }
        self.edits.replace(
            range(assign.span),
            vec![
                Piece::Text(format!("api.{call}.setCustomClaim(")),
                key_piece,
                Piece::Text(", ".into()),
                Piece::Source(range(assign.right.span())),
                Piece::Text(")".into()),
            ],
        );
    }

    fn rewrite_scope(&mut self, node: NodeId, chain: &Chain) {
        let assignment = (chain.path.len() == 2)
            .then(|| self.assigned_by(chain.top))
            .flatten();
        let Some((assign_node, assign)) = assignment else {
            self.todo(node, "Actions cannot read or edit the granted scopes in place: call api.accessToken.addScope(scope) / removeScope(scope)");
            return;
        };
        if assign.operator != AssignmentOperator::Assign || self.statement_of(assign_node).is_none()
        {
            self.todo(
                node,
                "call api.accessToken.addScope(scope) / removeScope(scope) for each scope",
            );
            return;
        }
        self.note(
            assign_node,
            "context.accessToken.scope replaces the granted scopes; the Action removes the requested scopes the Rule leaves out and adds the Rule's",
        );
        self.edits.replace(
            range(assign.span),
            vec![
                Piece::Text("((scopes) => {\n".into()),
                Piece::Text(format!(
                    "{0}  scopes = typeof scopes === 'string' ? scopes.split(' ').filter(Boolean) : scopes;\n\
                     {0}  for (const scope of event.transaction?.requested_scopes ?? []) if (!scopes.includes(scope)) api.accessToken.removeScope(scope);\n\
                     {0}  for (const scope of scopes) api.accessToken.addScope(scope);\n\
                     {0}}})(",
                    self.indent_at(assign.span.start as usize)
                )),
                Piece::Source(range(assign.right.span())),
                Piece::Text(")".into()),
            ],
        );
    }

    fn rewrite_multifactor(&mut self, node: NodeId, chain: &Chain) {
        let assignment = (chain.path.len() == 1)
            .then(|| self.assigned_by(chain.top))
            .flatten();
        let Some((assign_node, assign)) = assignment else {
            self.todo(node, "use api.multifactor.enable(provider, { allowRememberBrowser }) where the Rule sets context.multifactor");
            return;
        };
        if self.statement_of(assign_node).is_none() {
            self.todo(
                node,
                "call api.multifactor.enable(provider, options) as a statement of its own",
            );
            return;
        }
        // The Rule's `allowRememberBrowser` defaults to true, and its other
        // keys are the provider's options (Duo's host, ikey, skey): the
        // Action passes both explicitly.
        let mut pieces = vec![Piece::Text("api.multifactor.enable(".into())];
        let object = match assign.right.without_parentheses() {
            Expression::ObjectExpression(object)
                if object.properties.iter().all(|p| {
                    matches!(p, ObjectPropertyKind::ObjectProperty(p) if !p.computed && p.key.static_name().is_some())
                }) =>
            {
                Some(object)
            }
            _ => None,
        };
        match object {
            Some(object) => {
                let mut provider = None;
                let mut remember = None;
                let mut provider_options = Vec::new();
                for property in &object.properties {
                    let ObjectPropertyKind::ObjectProperty(p) = property else {
                        continue;
                    };
                    match p.key.static_name().as_deref() {
                        Some("provider") => provider = Some(range(p.value.span())),
                        Some("allowRememberBrowser") => remember = Some(p),
                        _ => provider_options.push(range(p.span)),
                    }
                }
                pieces.push(provider.map_or(Piece::Text("'any'".into()), Piece::Source));
                pieces.push(Piece::Text(", { ".into()));
                match remember {
                    Some(p) if p.shorthand => {
                        pieces.push(Piece::Text("allowRememberBrowser".into()))
                    }
                    Some(p) => {
                        pieces.push(Piece::Text("allowRememberBrowser: ".into()));
                        pieces.push(Piece::Source(range(p.value.span())));
                    }
                    None => pieces.push(Piece::Text("allowRememberBrowser: true".into())),
                }
                if !provider_options.is_empty() {
                    pieces.push(Piece::Text(", providerOptions: { ".into()));
                    for (i, r) in provider_options.iter().enumerate() {
                        if i > 0 {
                            pieces.push(Piece::Text(", ".into()));
                        }
                        pieces.push(Piece::Source(*r));
                    }
                    pieces.push(Piece::Text(" }".into()));
                }
                pieces.push(Piece::Text(" }".into()));
            }
            None => {
                pieces = vec![
                    Piece::Text(
                        "(({ provider = 'any', allowRememberBrowser = true, ...providerOptions }) =>\n"
                            .into(),
                    ),
                    Piece::Text(format!(
                        "{0}  api.multifactor.enable(provider, Object.keys(providerOptions).length > 0 ? {{ allowRememberBrowser, providerOptions }} : {{ allowRememberBrowser }}))(",
                        self.indent_at(assign.span.start as usize)
                    )),
                    Piece::Source(range(assign.right.span())),
                ];
            }
        }
        pieces.push(Piece::Text(")".into()));
        self.edits.replace(range(assign.span), pieces);
    }

    fn rewrite_redirect(&mut self, node: NodeId, chain: &Chain) {
        let assignment = (chain.path.len() == 1)
            .then(|| self.assigned_by(chain.top))
            .flatten();
        let Some((assign_node, assign)) = assignment else {
            self.todo(
                node,
                "use api.redirect.sendUserTo(url) where the Rule sets context.redirect",
            );
            return;
        };
        if self.statement_of(assign_node).is_none() {
            self.todo(
                node,
                "call api.redirect.sendUserTo(url) as a statement of its own",
            );
            return;
        }
        self.uses_redirect = true;
        let url = match assign.right.without_parentheses() {
            Expression::ObjectExpression(object) => {
                object.properties.iter().find_map(|p| match p {
                    ObjectPropertyKind::ObjectProperty(p)
                        if !p.computed && p.key.static_name().is_some_and(|n| n == "url") =>
                    {
                        Some(vec![Piece::Source(range(p.value.span()))])
                    }
                    _ => None,
                })
            }
            _ => None,
        }
        .unwrap_or_else(|| {
            vec![
                Piece::Text("(".into()),
                Piece::Source(range(assign.right.span())),
                Piece::Text(").url".into()),
            ]
        });
        // After /continue the Rule runs again and Auth0 ignores
        // context.redirect; the Action must not redirect a second time.
        let mut pieces = vec![Piece::Text("if (!resumed) api.redirect.sendUserTo(".into())];
        pieces.extend(url);
        pieces.push(Piece::Text(")".into()));
        let statement = self.statement_of(assign_node).unwrap_or(assign_node);
        let statement_span = self.span_of(statement);
        pieces.push(Piece::Text(";".into()));
        self.edits.replace(range(statement_span), pieces);
        self.note(assign_node, "context.redirect becomes api.redirect.sendUserTo; the code the Rule ran on redirect-callback runs in exports.onContinuePostLogin");
    }

    fn rewrite_context_read(&mut self, node: NodeId, chain: &Chain) {
        if self.assigned_by(chain.top).is_some() {
            self.todo(
                node,
                format!(
                    "the Rule changes context.{}; an Action cannot change its event",
                    chain.path.join(".")
                ),
            );
            return;
        }
        let path = format!("context.{}", chain.path.join("."));
        if let Some(why) = no_counterpart(&path) {
            self.todo(node, why);
            return;
        }
        if path == "context.protocol" && self.uses_redirect_anywhere() {
            self.edits.replace_text(
                range(chain.span),
                "(resumed ? 'redirect-callback' : event.transaction.protocol)",
            );
            return;
        }
        let helper_taken = self
            .scoping()
            .symbol_ids()
            .any(|s| self.scoping().symbol_name(s) == "ruleGeoip");
        if path == "context.request.geoip" && !helper_taken {
            // Read whole, it keeps the Rule's snake_case keys; one field
            // (`….geoip.country_code`) maps to its camelCase counterpart.
            self.rule_geoip = true;
            self.edits
                .replace_text(range(chain.span), "ruleGeoip(event.request.geoip)");
            return;
        }
        if path == "context.sso.current_clients" || path.starts_with("context.sso.current_clients.")
        {
            let rest = &path["context.sso.current_clients".len()..];
            self.edits.replace_text(
                range(chain.span),
                format!("(event.session?.clients ?? []).map((c) => c.client_id){rest}"),
            );
            return;
        }
        if path.starts_with("context.authentication.methods") && path.ends_with(".timestamp") {
            self.todo(node, "Rules give authentication times in epoch milliseconds, Actions as ISO 8601 strings: use Date.parse(…)");
        }
        let mapped = crate::compare::action_counterpart(&path)
            .map(|(to, _)| to)
            .or_else(|| {
                WHOLE_GROUPS
                    .iter()
                    .find(|(from, _)| path == *from || path.starts_with(&format!("{from}.")))
                    .map(|(from, to)| format!("{to}{}", &path[from.len()..]))
            });
        match mapped {
            Some(to) => {
                self.edits.replace_text(range(chain.span), to);
            }
            None => self.todo(node, format!("{path} has no known Action counterpart")),
        }
    }

    fn uses_redirect_anywhere(&self) -> bool {
        self.role_references(Role::Context).into_iter().any(|n| {
            let chain = self.chain(n);
            chain.path.first().is_some_and(|p| p == "redirect")
        })
    }

    // ----- user -----

    fn rewrite_user(&mut self) {
        for node in self.role_references(Role::User) {
            if self.in_callback_arguments(node) {
                continue;
            }
            let chain = self.chain(node);
            if chain.path.is_empty() {
                if self.assigned_by(node).is_some() {
                    self.todo(
                        node,
                        "the Rule replaces user; an Action cannot change the user",
                    );
                    continue;
                }
                self.edits
                    .replace_text(range(self.span_of(node)), "event.user");
                continue;
            }
            let first = chain.path[0].clone();
            let ident = range(self.span_of(node));
            if chain.path.len() == 1
                && !matches!(first.as_str(), "app_metadata" | "user_metadata")
                && let Some((assign_node, assign)) = self.assigned_by(chain.top)
            {
                self.rewrite_user_attribute(node, &first, assign_node, assign);
                continue;
            }
            self.edits.replace_text(ident, "event.user");
        }
    }

    /// `user.x = v`: an Action cannot change the user, but a client that
    /// asked for the legacy scope word `x` got the attribute in its ID
    /// token; the Action sets a namespaced claim when that scope is asked.
    fn rewrite_user_attribute(
        &mut self,
        node: NodeId,
        attribute: &str,
        assign_node: NodeId,
        assign: &'a oxc::ast::ast::AssignmentExpression<'a>,
    ) {
        if policy::profile_scope(attribute).is_some()
            || policy::RESTRICTED_CLAIMS.contains(&attribute)
        {
            self.todo(node, format!("the Rule changes user.{attribute}, a profile attribute; an Action cannot change the user (update it through the Management API, or set a custom claim)"));
            return;
        }
        let Some(statement) = self.statement_of(assign_node) else {
            self.todo(node, format!("the Rule changes user.{attribute} inside an expression; an Action cannot change the user"));
            return;
        };
        if assign.operator != AssignmentOperator::Assign {
            self.todo(
                node,
                format!("the Rule changes user.{attribute}; an Action cannot change the user"),
            );
            return;
        }
        let claim = format!("{}{attribute}", self.namespace());
        let indent = self.indent_at(self.span_of(statement).start as usize);
        self.note(
            assign_node,
            format!("the Rule sets user.{attribute}, which the legacy scope word '{attribute}' copies into the ID token of clients that are not OIDC-conformant; an Action cannot change the user, so it sets the namespaced claim '{claim}' when the scope '{attribute}' is requested: clients must read that claim"),
        );
        self.expected.push(ExpectedDifference::Claim {
            token: TokenKind::Id,
            rule_claim: Some(attribute.to_string()),
            action_claim: claim.clone(),
        });
        let span = self.span_of(statement);
        self.edits.replace(
            range(span),
            vec![
                Piece::Text(format!("event.user.{attribute} = ")),
                Piece::Source(range(assign.right.span())),
                Piece::Text(format!(
                    ";\n{indent}if (event.transaction?.requested_scopes?.includes({})) {{\n{indent}  api.idToken.setCustomClaim({}, event.user.{attribute});\n{indent}}}",
                    quote(attribute),
                    quote(&claim)
                )),
            ],
        );
    }

    // ----- globals -----

    fn rewrite_globals(&mut self) {
        self.require_sandbox_globals();
        for node in self.global_references("configuration") {
            let chain = self.chain(node);
            if let Some(key) = chain.path.first() {
                self.secrets.insert(key.clone());
            } else {
                let parent = self.nodes().parent_id(node);
                if !matches!(
                    self.nodes().kind(parent),
                    AstKind::ComputedMemberExpression(_)
                ) {
                    self.note(node, "the Rule reads configuration as a whole: every setting becomes a secret of the Action");
                }
            }
            self.edits
                .replace_text(range(self.span_of(node)), "event.secrets");
        }
        for node in self.global_references("auth0") {
            self.rewrite_auth0(node);
        }
        for node in self.global_references("require") {
            self.rewrite_require(node);
        }
        self.rewrite_global_caches();
        let mut kept_unauthorized = None;
        for node in self.global_references("UnauthorizedError") {
            if !self.is_callback_error(node) {
                kept_unauthorized.get_or_insert(node);
            }
        }
        let class_taken = self
            .scoping()
            .symbol_ids()
            .any(|s| self.scoping().symbol_name(s) == "UnauthorizedError");
        if let Some(node) = kept_unauthorized
            && !class_taken
        {
            // Made elsewhere than in `callback(new UnauthorizedError(m))`
            // (kept in a variable, thrown and caught): the Action defines
            // the class, and the callback that passes it on denies.
            self.unauthorized_class = true;
            self.note(node, "the Rule makes UnauthorizedError objects outside callback(…): the Action defines the class; where they reach the callback, the application receives error=access_denied instead of error=unauthorized");
            if !self.expected.contains(&ExpectedDifference::DenialCode) {
                self.expected.push(ExpectedDifference::DenialCode);
            }
        }
    }

    /// The modules Auth0's Rules sandbox put on the global object
    /// (docs/rules.md): an Action requires each one it uses and declares it
    /// at the version the Rule ran.
    fn require_sandbox_globals(&mut self) {
        const DATABASE_HELPERS: &[&str] =
            &["mongo", "mysql", "mysql_pool", "postgres", "sqlserver"];
        let mut globals: Vec<(&str, String, Option<&str>)> = crate::packages::RULES_SANDBOX_GLOBALS
            .iter()
            .filter(|(global, _)| *global != "ip")
            .map(|(global, package)| {
                let line = match *global {
                    "ObjectID" => format!("const {{ ObjectID }} = require('{package}');"),
                    "pbkdf2" => format!("const pbkdf2 = require('{package}')();"),
                    _ => format!("const {global} = require('{package}');"),
                };
                (*global, line, Some(*package))
            })
            .collect();
        // Node's own modules: in an Action, the global `crypto` is the Web
        // Crypto API, not Node's module.
        globals.push(("crypto", "const crypto = require('crypto');".into(), None));
        globals.push((
            "querystring",
            "const querystring = require('querystring');".into(),
            None,
        ));
        for (global, line, package) in globals {
            let Some(node) = self.global_references(global).first().copied() else {
                continue;
            };
            self.sandbox_requires.push(line);
            if let Some(package) = package {
                let version = crate::packages::rules_default_version(package);
                if !self.dependencies.iter().any(|d| d.name == package) {
                    self.dependencies.push(Dependency {
                        name: package.to_string(),
                        version: version.map(str::to_string),
                    });
                }
                let at = version.map_or_else(
                    || "its latest version".to_string(),
                    |v| format!("{package}@{v}"),
                );
                self.note(node, format!("the Rule uses the Rules global {global} without requiring it: the Action requires '{package}' ({at}, as the Rules environment gave it)"));
            }
            if global == "jwt" && self.source.contains("expiresInMinutes") {
                self.todo(node, "the Rules global jwt took expiresInMinutes; jsonwebtoken takes expiresIn (e.g. '60m')");
            }
        }
        for helper in DATABASE_HELPERS {
            if let Some(node) = self.global_references(helper).first().copied() {
                self.todo(node, format!("the Rules global {helper} connected to a database; require the database's client package in the Action and connect with its credentials from event.secrets"));
            }
        }
    }

    /// Whether `node` is the class of `callback(new UnauthorizedError(m))`,
    /// which the callback's rewrite turns into a denial.
    fn is_callback_error(&self, node: NodeId) -> bool {
        let new = self.nodes().parent_id(node);
        let AstKind::NewExpression(expression) = self.nodes().kind(new) else {
            return false;
        };
        if expression.callee.span() != self.span_of(node) {
            return false;
        }
        let call = self.nodes().parent_id(new);
        let AstKind::CallExpression(call) = self.nodes().kind(call) else {
            return false;
        };
        let first_argument = call.arguments.first().map(|a| a.span()) == Some(expression.span);
        first_argument && self.expression_role(&call.callee) == Some(Role::Callback)
    }

    /// `global.K` used as a cache — assigned data, read, deleted, never
    /// changed in place — becomes the `api.cache` key `K`: an Action's
    /// globals may not outlive one login (docs/migrate.md). Any other use
    /// of `global` stays as it is.
    fn rewrite_global_caches(&mut self) {
        let helpers_taken = self.scoping().symbol_ids().any(|s| {
            matches!(
                self.scoping().symbol_name(s),
                "readGlobalCache" | "writeGlobalCache"
            )
        });
        if helpers_taken {
            return;
        }
        let mut keys: Vec<(String, Vec<(NodeId, GlobalUse)>)> = Vec::new();
        for node in self.global_references("global") {
            let member = self.nodes().parent_id(node);
            let key = match self.nodes().kind(member) {
                AstKind::StaticMemberExpression(m) if m.object.span() == self.span_of(node) => {
                    m.property.name.to_string()
                }
                // `global[name]`, `const g = global`: keys the rewrite
                // cannot follow, so it moves none.
                _ => return,
            };
            let usage = self.global_use(member);
            match keys.iter_mut().find(|(k, _)| *k == key) {
                Some((_, uses)) => uses.push((member, usage)),
                None => keys.push((key, vec![(member, usage)])),
            }
        }
        for (key, uses) in keys {
            let written = uses.iter().any(|(_, u)| matches!(u, GlobalUse::Write(_)));
            if !written || uses.iter().any(|(_, u)| matches!(u, GlobalUse::Other)) {
                continue;
            }
            let quoted = quote(&key);
            for (member, usage) in &uses {
                match *usage {
                    GlobalUse::Read => {
                        self.edits.replace_text(
                            range(self.span_of(*member)),
                            format!("readGlobalCache(api, {quoted})"),
                        );
                    }
                    GlobalUse::Write(assignment) => {
                        let AstKind::AssignmentExpression(a) = self.nodes().kind(assignment) else {
                            continue;
                        };
                        self.edits.replace(
                            range(a.span),
                            vec![
                                Piece::Text(format!("writeGlobalCache(api, {quoted}, ")),
                                Piece::Source(range(a.right.span())),
                                Piece::Text(")".into()),
                            ],
                        );
                    }
                    GlobalUse::Delete(delete) => {
                        self.edits.replace_text(
                            range(self.span_of(delete)),
                            format!("api.cache.delete({quoted})"),
                        );
                    }
                    GlobalUse::Other => {}
                }
            }
            self.global_cache = true;
            self.note(
                uses[0].0,
                format!("global.{key} is a cache: the Action keeps it in api.cache under '{key}' (as JSON text of at most 4 KB, for 15 minutes), as an Action's globals may not outlive the login"),
            );
        }
    }

    fn global_use(&self, member: NodeId) -> GlobalUse {
        let span = self.span_of(member);
        let parent = self.nodes().parent_id(member);
        match self.nodes().kind(parent) {
            AstKind::AssignmentExpression(a) if a.left.span() == span => {
                if a.operator == AssignmentOperator::Assign && is_data(&a.right) {
                    GlobalUse::Write(parent)
                } else {
                    GlobalUse::Other
                }
            }
            AstKind::UnaryExpression(u) if u.operator == UnaryOperator::Delete => {
                if self.statement_of(parent).is_some() {
                    GlobalUse::Delete(parent)
                } else {
                    GlobalUse::Other
                }
            }
            AstKind::CallExpression(c) if c.callee.span() == span => GlobalUse::Other,
            AstKind::StaticMemberExpression(_) | AstKind::ComputedMemberExpression(_) => {
                self.member_use(member)
            }
            AstKind::UpdateExpression(_)
            | AstKind::ArrayAssignmentTarget(_)
            | AstKind::ObjectAssignmentTarget(_)
            | AstKind::AssignmentTargetRest(_)
            | AstKind::AssignmentTargetWithDefault(_)
            | AstKind::AssignmentTargetPropertyIdentifier(_)
            | AstKind::AssignmentTargetPropertyProperty(_) => GlobalUse::Other,
            _ if self.is_target(parent, span) => GlobalUse::Other,
            _ => GlobalUse::Read,
        }
    }

    /// Whether `span` is what a `for … in/of` loop assigns to.
    fn is_target(&self, node: NodeId, span: Span) -> bool {
        match self.nodes().kind(node) {
            AstKind::ForInStatement(f) => f.left.span() == span,
            AstKind::ForOfStatement(f) => f.left.span() == span,
            _ => false,
        }
    }

    /// `global.K.x…`: a read, unless the value is changed in place.
    fn member_use(&self, member: NodeId) -> GlobalUse {
        let mut top = member;
        let mut last = String::new();
        loop {
            let parent = self.nodes().parent_id(top);
            let span = self.span_of(top);
            match self.nodes().kind(parent) {
                AstKind::StaticMemberExpression(m) if m.object.span() == span => {
                    last = m.property.name.to_string();
                }
                AstKind::ComputedMemberExpression(m) if m.object.span() == span => {
                    last.clear();
                }
                _ => break,
            }
            top = parent;
        }
        let span = self.span_of(top);
        let parent = self.nodes().parent_id(top);
        match self.nodes().kind(parent) {
            AstKind::AssignmentExpression(a) if a.left.span() == span => GlobalUse::Other,
            AstKind::UnaryExpression(u) if u.operator == UnaryOperator::Delete => GlobalUse::Other,
            AstKind::CallExpression(c)
                if c.callee.span() == span && MUTATING_METHODS.contains(&last.as_str()) =>
            {
                GlobalUse::Other
            }
            AstKind::UpdateExpression(_)
            | AstKind::ArrayAssignmentTarget(_)
            | AstKind::ObjectAssignmentTarget(_)
            | AstKind::AssignmentTargetRest(_)
            | AstKind::AssignmentTargetWithDefault(_)
            | AstKind::AssignmentTargetPropertyIdentifier(_)
            | AstKind::AssignmentTargetPropertyProperty(_) => GlobalUse::Other,
            _ if self.is_target(parent, span) => GlobalUse::Other,
            _ => GlobalUse::Read,
        }
    }

    fn rewrite_auth0(&mut self, node: NodeId) {
        let chain = self.chain(node);
        let path = chain.path.join(".");
        let (setter, field) = match path.as_str() {
            "users.updateAppMetadata" => ("setAppMetadata", "app_metadata"),
            "users.updateUserMetadata" => ("setUserMetadata", "user_metadata"),
            _ => {
                self.todo(node, "Actions have no auth0 Management API client: create a machine-to-machine application, keep its credentials in the Action's secrets and use the auth0 package's ManagementClient");
                return;
            }
        };
        let call_node = self.nodes().parent_id(chain.top);
        let AstKind::CallExpression(call) = self.nodes().kind(call_node) else {
            self.todo(
                node,
                format!("call api.user.{setter}(key, value) for each key the Rule changes"),
            );
            return;
        };
        let user_id_ok = call
            .arguments
            .first()
            .and_then(Argument::as_expression)
            .is_some_and(|e| self.is_user_field(e, "user_id"));
        if !user_id_ok {
            self.todo(node, format!("an Action can only change the metadata of the user logging in (api.user.{setter}); other users need the Management API"));
            return;
        }
        if call.arguments.len() > 2 {
            self.todo(node, format!("call api.user.{setter}(key, value) for each key, then what the Rule's callback did"));
            return;
        }
        let Some(object) = call.arguments.get(1).and_then(Argument::as_expression) else {
            self.todo(
                node,
                format!("call api.user.{setter}(key, value) for each key"),
            );
            return;
        };
        // One call per key: the update merges top-level keys, as
        // api.user.set*Metadata does.
        let calls: Vec<Vec<Piece>> = match object.without_parentheses() {
            Expression::ObjectExpression(literal)
                if literal.properties.iter().all(|p| matches!(p, ObjectPropertyKind::ObjectProperty(p) if !p.computed && p.key.static_name().is_some())) =>
            {
                literal
                    .properties
                    .iter()
                    .filter_map(|p| match p {
                        ObjectPropertyKind::ObjectProperty(p) => Some(vec![
                            Piece::Text(format!(
                                "api.user.{setter}({}, ",
                                quote(&p.key.static_name().unwrap_or_default())
                            )),
                            if p.shorthand {
                                Piece::Text(self.text(p.value.span()).to_string())
                            } else {
                                Piece::Source(range(p.value.span()))
                            },
                            Piece::Text(")".into()),
                        ]),
                        _ => None,
                    })
                    .collect()
            }
            _ => match self.metadata_keys(field, object) {
                Some(keys) => keys
                    .iter()
                    .map(|(k, maybe_undefined)| {
                        let value = format!("event.user.{field}{}", member(k));
                        let set = format!("api.user.{setter}({}, {value})", quote(k));
                        vec![Piece::Text(if *maybe_undefined {
                            format!("({value} !== undefined && {set})")
                        } else {
                            set
                        })]
                    })
                    .collect(),
                None => vec![vec![
                    Piece::Text("for (const [key, value] of Object.entries(".into()),
                    Piece::Source(range(object.span())),
                    Piece::Text(format!(
                        ")) if (value !== undefined) api.user.{setter}(key, value)"
                    )),
                ]],
            },
        };
        let loop_form = calls.len() == 1
            && matches!(calls[0].first(), Some(Piece::Text(t)) if t.starts_with("for "));
        // As a statement (`await auth0.users.update…(…);`): the calls in its
        // place. Elsewhere: an expression that still gives a promise.
        let mut statement_node = call_node;
        let parent = self.nodes().parent_id(call_node);
        if matches!(self.nodes().kind(parent), AstKind::AwaitExpression(_)) {
            statement_node = parent;
        }
        if let Some(statement) = self.statement_of(statement_node) {
            let indent = self.indent_at(self.span_of(statement).start as usize);
            let mut pieces = Vec::new();
            for (i, call) in calls.into_iter().enumerate() {
                if i > 0 {
                    pieces.push(Piece::Text(format!("\n{indent}")));
                }
                pieces.extend(call);
                pieces.push(Piece::Text(";".into()));
            }
            if pieces.is_empty() {
                self.remove_line(self.span_of(statement));
            } else {
                self.edits.replace(range(self.span_of(statement)), pieces);
            }
        } else if loop_form {
            let mut pieces = vec![Piece::Text("Promise.resolve(Object.entries(".into())];
            pieces.push(Piece::Source(range(object.span())));
            pieces.push(Piece::Text(format!(
                ").forEach(([key, value]) => value !== undefined && api.user.{setter}(key, value)))"
            )));
            self.edits.replace(range(call.span), pieces);
        } else if calls.is_empty() {
            // The Rule writes back metadata it never changes.
            self.edits
                .replace_text(range(call.span), "Promise.resolve(undefined)");
        } else {
            let mut pieces = vec![Piece::Text("Promise.resolve((".into())];
            for (i, call) in calls.into_iter().enumerate() {
                if i > 0 {
                    pieces.push(Piece::Text(", ".into()));
                }
                pieces.extend(call);
            }
            pieces.push(Piece::Text(", undefined))".into()));
            self.edits.replace(range(call.span), pieces);
        }
    }

    /// The keys of `user.<field>` the Rule sets, when it only ever sets
    /// `user.<field>.<key> = …` (and `user.<field> = user.<field> || {}`).
    /// Each key comes with whether the value written may be `undefined`.
    fn metadata_keys(&self, field: &str, object: &Expression<'a>) -> Option<Vec<(String, bool)>> {
        if !self.is_user_field(object, field) {
            return None;
        }
        let mut keys = Vec::new();
        for node in self.role_references(Role::User) {
            let chain = self.chain(node);
            if chain.path.first().map(String::as_str) != Some(field) {
                continue;
            }
            // The expression the chain's first two members make.
            let mut at = node;
            for _ in 0..chain.path.len().min(2) {
                at = self.nodes().parent_id(at);
            }
            let field_node = self.nodes().parent_id(node);
            if let Some((_, assign)) = self.assigned_by(field_node) {
                // `user.app_metadata = user.app_metadata || {}` keeps the keys.
                let keeps = matches!(assign.right.without_parentheses(), Expression::LogicalExpression(l) if self.is_user_field(&l.left, field));
                if !keeps {
                    return None;
                }
                continue;
            }
            if chain.path.len() >= 2 {
                // `user.app_metadata.k = …`, and anything deeper
                // (`user.app_metadata.k.x = …`, `….k.push(…)`), changes k.
                let parent = self.nodes().parent_id(at);
                let changes = self.assigned_by(at).is_some()
                    || chain.path.len() > 2
                    || matches!(
                        self.nodes().kind(parent),
                        AstKind::UnaryExpression(_)
                            | AstKind::UpdateExpression(_)
                            | AstKind::ComputedMemberExpression(_)
                            | AstKind::StaticMemberExpression(_)
                    );
                // The Rule writes JSON, which leaves out a key whose value
                // is undefined (and so changes nothing); the Action must not
                // set it then.
                let maybe_undefined = match self.assigned_by(at) {
                    Some((_, assign)) if chain.path.len() == 2 => {
                        assign.operator == AssignmentOperator::Assign
                            && !never_undefined(&assign.right)
                    }
                    _ => matches!(
                        self.nodes().kind(parent),
                        AstKind::UnaryExpression(u) if u.operator == UnaryOperator::Delete
                    ),
                };
                match keys.iter_mut().find(|(k, _)| *k == chain.path[1]) {
                    Some((_, guard)) => *guard |= maybe_undefined,
                    None if changes => keys.push((chain.path[1].clone(), maybe_undefined)),
                    None => {}
                }
                continue;
            }
            // Anything that could change the object otherwise (a computed
            // key, a call that receives it, delete) makes the keys unknown.
            let parent = self.nodes().parent_id(field_node);
            match self.nodes().kind(parent) {
                AstKind::UnaryExpression(_) | AstKind::UpdateExpression(_) => return None,
                AstKind::ComputedMemberExpression(m)
                    if m.object.span() == self.span_of(field_node) =>
                {
                    // `user.app_metadata[key]`: keys the rewrite cannot name.
                    return None;
                }
                AstKind::CallExpression(_) => {
                    // Passed to a function other than the update itself.
                    let is_update = matches!(self.nodes().kind(parent), AstKind::CallExpression(c) if self.text(c.callee.span()).ends_with("Metadata"));
                    if !is_update {
                        return None;
                    }
                }
                _ => {}
            }
        }
        Some(keys)
    }

    fn rewrite_require(&mut self, node: NodeId) {
        let parent = self.nodes().parent_id(node);
        let AstKind::CallExpression(call) = self.nodes().kind(parent) else {
            return;
        };
        let Some(Expression::StringLiteral(literal)) =
            call.arguments.first().and_then(Argument::as_expression)
        else {
            self.todo(node, "the Rule requires a module by a computed name; declare the dependency and require it by name");
            return;
        };
        let spec = literal.value.to_string();
        let (name, version) = split_module(&spec);
        let package = package_name(&name);
        if !NODE_BUILTINS.contains(&package.as_str()) && !package.starts_with("node:") {
            // Unversioned, the Rule ran the Rules environment's default
            // version (docs/packages.md): the Action declares that one.
            let default = version
                .is_none()
                .then(|| crate::packages::rules_default_version(&package))
                .flatten();
            if !self.dependencies.iter().any(|d| d.name == package) {
                self.dependencies.push(Dependency {
                    name: package.clone(),
                    version: version.clone().or(default.map(str::to_string)),
                });
                match (&version, default) {
                    (Some(_), _) => {}
                    (None, Some(default)) => self.note(parent, format!("the Rule requires '{package}' without a version, which the Rules environment answered with {package}@{default}: the Action declares that version")),
                    (None, None) => self.note(parent, format!("the Rule requires '{package}' without a version: the Action's dependency is its latest version; pin the version the Rule ran with")),
                }
            }
        }
        if version.is_some() {
            let quote_char = &self.text(literal.span)[..1];
            self.edits.replace_text(
                range(literal.span),
                format!("{quote_char}{name}{quote_char}"),
            );
        }
        // `const x = require('x@1')` at the top of the Rule moves to the
        // top of the module, as Actions declare their modules.
        let declarator = self.nodes().parent_id(parent);
        if let AstKind::VariableDeclarator(_) = self.nodes().kind(declarator) {
            let declaration = self.nodes().parent_id(declarator);
            if let AstKind::VariableDeclaration(d) = self.nodes().kind(declaration)
                && d.declarations.len() == 1
                && matches!(
                    self.nodes().parent_kind(declaration),
                    AstKind::FunctionBody(_)
                )
                && self.enclosing_function(declaration) == Some(self.rule_function_node())
            {
                self.hoisted.push(range(d.span));
            }
        }
    }

    // ----- result -----

    fn finish(mut self, wrapped: &str) -> Migration {
        let body = self
            .function
            .body
            .as_ref()
            .map(|b| b.span)
            .unwrap_or_default();
        let hoisted: Vec<String> = self.hoisted.iter().map(|r| self.edits.render(*r)).collect();
        for r in self.hoisted.clone() {
            let span = Span::new(r.start as u32, r.end as u32);
            self.remove_line(span);
        }
        let name = self
            .function
            .id
            .as_ref()
            .map(|id| id.name.to_string())
            .unwrap_or_else(|| "migratedRule".to_string());
        let inner_start = body.start as usize + 1;
        let inner_end = body.end as usize - 1;
        let mut inner = self.edits.render(Range::new(inner_start, inner_end));
        if self.ending == Ending::Done {
            let is_async = self.function.r#async;
            let multiline_literal = has_multiline_literal(&inner);
            let indented = if multiline_literal {
                inner.clone()
            } else {
                inner
                    .lines()
                    .map(|l| {
                        if l.trim().is_empty() {
                            l.to_string()
                        } else {
                            format!("  {l}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let leading_newline = if indented.starts_with('\n') { "" } else { "\n" };
            let closing_indent = self.indent_at(body.end as usize - 1);
            inner = if is_async {
                format!(
                    "\n{closing_indent}  // The Rule called back from nested functions: the Action waits until it would have.\n{closing_indent}  await new Promise((done, fail) => {{\n{closing_indent}    (async () => {{{leading_newline}{}\n{closing_indent}    }})().catch(fail);\n{closing_indent}  }});\n{closing_indent}",
                    indented.trim_end()
                )
            } else {
                format!(
                    "\n{closing_indent}  // The Rule called back from nested functions: the Action waits until it would have.\n{closing_indent}  await new Promise((done) => {{{leading_newline}{}\n{closing_indent}  }});\n{closing_indent}",
                    indented.trim_end()
                )
            };
        }
        let leading = &wrapped[1..self.function.span.start as usize];
        let trailing = wrapped[self.function.span.end as usize..wrapped.len() - 1].trim_end();
        let trailing = trailing.strip_suffix(';').unwrap_or(trailing);
        let mut code = String::new();
        code.push_str(leading);
        for line in self.sandbox_requires.iter().chain(&hoisted) {
            code.push_str(line);
            code.push('\n');
        }
        if !hoisted.is_empty() || !self.sandbox_requires.is_empty() {
            code.push('\n');
        }
        if self.global_cache {
            code.push_str(GLOBAL_CACHE_HELPERS);
            code.push('\n');
        }
        if self.rule_geoip {
            code.push_str(&rule_geoip_helper());
            code.push('\n');
        }
        if self.unauthorized_class {
            code.push_str(UNAUTHORIZED_ERROR_CLASS);
            code.push('\n');
        }
        if self.needs_namespace {
            code.push_str(&format!("// {TODO}: choose the namespace of your claims (migrate --namespace https://your-app.example/)\n"));
            self.todos.push((0, "choose the namespace of your claims: https://example.com/ is a placeholder (migrate --namespace)".into()));
        }
        if self.uses_redirect {
            code.push_str(&format!(
                "async function {name}(event, api, resumed) {{{inner}}}{trailing}\n\n"
            ));
            code.push_str(&format!(
                "exports.onExecutePostLogin = async (event, api) => {name}(event, api, false);\n\
                 // After the redirect, Auth0 resumes here; the Rule ran again with context.protocol === 'redirect-callback'.\n\
                 exports.onContinuePostLogin = async (event, api) => {name}(event, api, true);\n"
            ));
        } else {
            code.push_str(&format!(
                "exports.onExecutePostLogin = async function {name}(event, api) {{{inner}}};{trailing}\n"
            ));
        }
        let _ = self.namespace_given;
        let line_of =
            |offset: usize| wrapped[..offset.min(wrapped.len())].matches('\n').count() + 1;
        let todo_lines: Vec<usize> = code
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(TODO))
            .map(|(i, _)| i + 1)
            .collect();
        let mut todos: Vec<Note> = Vec::new();
        let mut lines = todo_lines.into_iter();
        for (offset, why) in &self.todos {
            todos.push(Note {
                rule_line: line_of(*offset),
                action_line: lines.next().unwrap_or(0),
                message: why.clone(),
            });
        }
        todos.sort_by_key(|t| t.action_line);
        let notes = self
            .notes
            .iter()
            .map(|(offset, text)| Note {
                rule_line: line_of(*offset),
                action_line: 0,
                message: text.clone(),
            })
            .collect();
        Migration {
            code,
            secrets: self.secrets.into_iter().collect(),
            dependencies: self.dependencies,
            todos,
            notes,
            expected: self.expected,
            namespace: self.namespace,
        }
    }
}

enum ClaimKey<'a> {
    Static(String),
    Expression(&'a Expression<'a>),
}

enum Denial {
    /// `callback(new Error(m))`: always denies with the message.
    Always(Vec<Piece>),
    /// `callback(err)`: denies when the error is set.
    IfSet(Range, Vec<Piece>),
}

fn quote(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// `.key` for an identifier, `['key']` otherwise.
fn member(key: &str) -> String {
    let identifier = key.chars().enumerate().all(|(i, c)| {
        c == '_' || c == '$' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())
    });
    if identifier && !key.is_empty() {
        format!(".{key}")
    } else {
        format!("[{}]", quote(key))
    }
}

/// `lodash@4.17.21` → (`lodash`, `4.17.21`); `@scope/x@1/sub` keeps the
/// subpath in the name.
fn split_module(spec: &str) -> (String, Option<String>) {
    let scoped = spec.starts_with('@');
    let search_from = if scoped { 1 } else { 0 };
    match spec[search_from..].find('@') {
        Some(at) => {
            let at = at + search_from;
            let name = &spec[..at];
            let rest = &spec[at + 1..];
            let (version, sub) = match rest.find('/') {
                Some(slash) => (&rest[..slash], &rest[slash..]),
                None => (rest, ""),
            };
            (format!("{name}{sub}"), Some(version.to_string()))
        }
        None => (spec.to_string(), None),
    }
}

/// The package a module name belongs to: `lodash/fp` → `lodash`.
fn package_name(module: &str) -> String {
    let mut parts = module.split('/');
    match (parts.next(), parts.next()) {
        (Some(scope), Some(name)) if scope.starts_with('@') => format!("{scope}/{name}"),
        (Some(name), _) => name.to_string(),
        _ => module.to_string(),
    }
}

/// A template literal or string continued over several lines, which
/// re-indenting would change.
fn has_multiline_literal(code: &str) -> bool {
    let mut in_template = false;
    let mut previous = '\0';
    for c in code.chars() {
        if c == '`' && previous != '\\' {
            in_template = !in_template;
        }
        if c == '\n' && (in_template || previous == '\\') {
            return true;
        }
        previous = c;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_specs_split_into_name_and_version() {
        assert_eq!(
            split_module("lodash@4.17.21"),
            ("lodash".into(), Some("4.17.21".into()))
        );
        assert_eq!(
            split_module("@auth0/rule-utilities@0.2.0"),
            ("@auth0/rule-utilities".into(), Some("0.2.0".into()))
        );
        assert_eq!(split_module("request"), ("request".into(), None));
        assert_eq!(package_name("@scope/x/sub"), "@scope/x");
        assert_eq!(quote("it's"), "'it\\'s'");
        assert_eq!(member("first_login"), ".first_login");
        assert_eq!(member("a-b"), "['a-b']");
    }

    fn action(rule: &str) -> Migration {
        rewrite("rule.js", rule, &RewriteOptions::default()).expect("rewrites")
    }

    #[test]
    fn the_error_a_rule_calls_back_with_is_rewritten_too() {
        let migration = action(
            "function (user, context, callback) {\n  if (!user.email_verified) return callback(new Error('verify ' + user.email));\n  callback(null, user, context);\n}",
        );
        assert!(
            migration
                .code
                .contains("return api.access.deny('verify ' + event.user.email);"),
            "{}",
            migration.code
        );
    }

    #[test]
    fn writing_back_unchanged_metadata_writes_nothing() {
        let migration = action(
            "function (user, context, callback) {\n  auth0.users.updateUserMetadata(user.user_id, user.user_metadata)\n    .then(() => callback(null, user, context));\n}",
        );
        assert!(
            migration
                .code
                .contains("Promise.resolve(undefined)\n      .then(() => done());"),
            "{}",
            migration.code
        );
    }

    #[test]
    fn an_unauthorized_error_made_before_the_callback_gets_its_class() {
        let migration = action(
            "function (user, context, callback) {\n  let err = null;\n  if (user.blocked) err = new UnauthorizedError('blocked');\n  callback(err, user, context);\n}",
        );
        assert!(
            migration
                .code
                .starts_with("// Rules had an UnauthorizedError class"),
            "{}",
            migration.code
        );
        assert!(migration.todos.is_empty(), "{:?}", migration.todos);
        assert!(migration.expected.contains(&ExpectedDifference::DenialCode));
    }

    #[test]
    fn a_helper_called_with_other_values_is_left_alone() {
        // `check` gets the Rule's context once and another object once: its
        // parameter is not the Rule's context.
        let migration = action(
            "function (user, context, callback) {\n  function check(ctx) { return ctx.clientID; }\n  check(context);\n  check({ clientID: 'x' });\n  callback(null, user, context);\n}",
        );
        assert!(
            migration
                .code
                .contains("function check(ctx) { return ctx.clientID; }"),
            "{}",
            migration.code
        );
        assert_eq!(migration.todos.len(), 1, "{:?}", migration.todos);
        assert!(migration.todos[0].message.contains("context as a whole"));
    }
}
