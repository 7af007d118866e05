//! Span edits on a source text: each edit replaces one span with text and
//! pieces of the original (which may hold edits of their own), so a rewrite
//! keeps every comment, name and line it does not touch.

use std::cell::RefCell;

/// A byte range of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Range {
    pub start: usize,
    pub end: usize,
}

impl Range {
    pub fn new(start: usize, end: usize) -> Range {
        Range { start, end }
    }

    fn contains(&self, other: &Range) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    fn overlaps(&self, other: &Range) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// One part of a replacement.
#[derive(Debug, Clone)]
pub enum Piece {
    Text(String),
    /// The original text of a range, with the edits inside it applied.
    Source(Range),
}

#[derive(Debug, Clone)]
struct Edit {
    range: Range,
    pieces: Vec<Piece>,
}

/// The edits of one source text.
pub struct Edits<'s> {
    source: &'s str,
    edits: RefCell<Vec<Edit>>,
}

impl<'s> Edits<'s> {
    pub fn new(source: &'s str) -> Edits<'s> {
        Edits {
            source,
            edits: RefCell::new(Vec::new()),
        }
    }

    /// Replaces `range`. Returns false (and changes nothing) when the range
    /// crosses an edit already made without nesting in it or around it, or
    /// replaces the very same range again.
    pub fn replace(&self, range: Range, pieces: Vec<Piece>) -> bool {
        let mut edits = self.edits.borrow_mut();
        let clash = edits.iter().any(|e| {
            (e.range == range && range.start != range.end)
                || (e.range.overlaps(&range)
                    && !e.range.contains(&range)
                    && !range.contains(&e.range))
        });
        if clash {
            return false;
        }
        edits.push(Edit { range, pieces });
        true
    }

    pub fn replace_text(&self, range: Range, text: impl Into<String>) -> bool {
        self.replace(range, vec![Piece::Text(text.into())])
    }

    /// Inserts text at a position (a zero-width edit).
    pub fn insert(&self, at: usize, text: impl Into<String>) {
        self.edits.borrow_mut().push(Edit {
            range: Range::new(at, at),
            pieces: vec![Piece::Text(text.into())],
        });
    }

    /// The text of `range` with every edit inside it applied.
    pub fn render(&self, range: Range) -> String {
        let edits = self.edits.borrow().clone();
        render(self.source, &edits, range)
    }
}

fn render(source: &str, edits: &[Edit], range: Range) -> String {
    // The outermost edits inside the range, in order; insertions at one
    // position keep the order they were made in.
    let mut inner: Vec<(usize, &Edit)> = edits
        .iter()
        .enumerate()
        .filter(|(_, e)| range.contains(&e.range))
        .collect();
    inner.sort_by_key(|(i, e)| {
        (
            e.range.start,
            e.range.start != e.range.end,
            std::cmp::Reverse(e.range.end),
            *i,
        )
    });
    let mut out = String::new();
    let mut cursor = range.start;
    for (index, edit) in inner {
        if edit.range.start < cursor {
            continue; // nested in an edit already rendered
        }
        out.push_str(&source[cursor..edit.range.start]);
        for piece in &edit.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Source(sub) => {
                    let rest: Vec<Edit> = edits
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != index)
                        .map(|(_, e)| e.clone())
                        .collect();
                    out.push_str(&render(source, &rest, *sub));
                }
            }
        }
        cursor = edit.range.end;
    }
    out.push_str(&source[cursor..range.end]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_edits_apply_inside_the_pieces_that_keep_them() {
        let source = "a = user.x + user.y;";
        let edits = Edits::new(source);
        assert!(edits.replace_text(Range::new(4, 8), "event.user"));
        assert!(edits.replace_text(Range::new(13, 17), "event.user"));
        assert!(edits.replace(
            Range::new(0, 19),
            vec![
                Piece::Text("set(".into()),
                Piece::Source(Range::new(4, 19)),
                Piece::Text(")".into())
            ]
        ));
        assert_eq!(
            edits.render(Range::new(0, source.len())),
            "set(event.user.x + event.user.y);"
        );
        // A range that crosses an edit is refused.
        assert!(!edits.replace_text(Range::new(2, 6), "?"));
    }
}
