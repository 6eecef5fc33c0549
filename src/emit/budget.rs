//! What the templates of one plan may spend: minijinja fuel (instructions)
//! and bytes written, so that an overlay's endless loop or runaway output
//! ends in an error naming the template, not a hang or an out-of-memory kill.

use std::cell::Cell;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use minijinja::value::{Kwargs, Serde, StringInput, Value};
use minijinja::{Environment, Error, ErrorKind, State, Template};

use crate::source::{MAX_RENDERED_BYTES, MAX_TEMPLATE_FUEL};

thread_local! {
    /// Fuel spent and bytes written by the plan rendering on this thread;
    /// `None` outside [`Session`] (each render is still bounded on its own).
    static SPENT: Cell<Option<(u64, usize)>> = const { Cell::new(None) };
}

/// Whether a render's state (the context as values, the templates' locals)
/// is left to the end of the process rather than freed value by value
/// ([`keep_render_state`]).
static KEEP_RENDER_STATE: AtomicBool = AtomicBool::new(false);

/// From now on, each render's state is kept until the process exits instead
/// of being freed: for a command that renders once and exits (freeing the
/// values one by one costs more than the kernel taking the memory back), not
/// for a process that renders again and again.
pub(crate) fn keep_render_state() {
    KEEP_RENDER_STATE.store(true, Ordering::Relaxed);
}

/// One plan's budget: every render on this thread until the session is
/// dropped counts against [`MAX_TEMPLATE_FUEL`] and [`MAX_RENDERED_BYTES`].
pub(crate) struct Session(Option<(u64, usize)>);

impl Session {
    pub(crate) fn start() -> Self {
        Self(SPENT.replace(Some((0, 0))))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        SPENT.set(self.0);
    }
}

/// An output that refuses to grow past `left` bytes.
struct Capped {
    buf: Vec<u8>,
    left: usize,
    over: bool,
    /// Provenance is recorded: keep its count of bytes written.
    record: bool,
    /// One line of it is recorded: find that line's bytes, until it ends.
    line: Option<super::provenance::Line>,
}

impl io::Write for Capped {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if b.len() > self.left {
            self.over = true;
            return Err(io::Error::other("the rendered files are too large"));
        }
        self.left -= b.len();
        let at = self.buf.len();
        self.buf.extend_from_slice(b);
        if self.record {
            super::provenance::WRITTEN.set(self.buf.len());
            if let Some(line) = &self.line
                && !line.wrote(at, b)
            {
                self.line = None;
            }
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Renders `t` within what is left of the session's budget; the error is a
/// message for [`super::EmitError`].
pub(crate) fn render<S: serde::Serialize>(t: &Template<'_, '_>, ctx: S) -> Result<String, String> {
    let (fuel, written) = SPENT.get().unwrap_or((0, 0));
    let out_of_fuel = || {
        format!(
            "the templates ran out of fuel: they may run {MAX_TEMPLATE_FUEL} instructions in \
             all (a loop that does not end, or loops nested too deep?)"
        )
    };
    let mut out = Capped {
        buf: Vec::with_capacity(4096),
        left: MAX_RENDERED_BYTES.saturating_sub(written),
        over: false,
        record: super::provenance::active(),
        line: None,
    };
    if out.record {
        out.line = super::provenance::line();
        super::provenance::WRITTEN.set(0);
    }
    let spent = match t.render_captured_to(Value::from(Serde(ctx)), &mut out) {
        Ok(captured) => {
            let spent = captured.state().fuel_levels().map_or(0, |(spent, _)| spent);
            if KEEP_RENDER_STATE.load(Ordering::Relaxed) {
                std::mem::forget(captured);
            }
            spent
        }
        Err(_) if out.over => {
            return Err(format!(
                "the rendered files would exceed {} MiB",
                MAX_RENDERED_BYTES >> 20
            ));
        }
        Err(e) if e.kind() == ErrorKind::OutOfFuel => return Err(out_of_fuel()),
        Err(e) => return Err(format!("{e:#}")),
    };
    if SPENT.get().is_some() {
        let fuel = fuel.saturating_add(spent);
        if fuel > MAX_TEMPLATE_FUEL {
            return Err(out_of_fuel());
        }
        SPENT.set(Some((fuel, written + out.buf.len())));
    }
    if out.record {
        super::provenance::rendered(&out.buf);
    }
    Ok(String::from_utf8(out.buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// minijinja's filters whose result can be far larger than their input,
/// checked against [`MAX_RENDERED_BYTES`] before they run: such a value could
/// never be written, and building it could exhaust memory first.
pub(crate) fn guard_filters(env: &mut Environment<'_>) {
    env.add_filter("indent", indent);
    env.add_filter("replace", replace);
    env.add_filter("join", join);
}

fn fits(size: usize, filter: &str) -> Result<(), Error> {
    if size <= MAX_RENDERED_BYTES {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "`{filter}` would make a value larger than the {} MiB the templates may write",
            MAX_RENDERED_BYTES >> 20
        ),
    ))
}

fn indent(
    value: StringInput<'_>,
    width: Option<usize>,
    first: Option<bool>,
    blank: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let w = match width {
        Some(w) => w,
        None => kwargs.get::<Option<usize>>("width")?.unwrap_or(4),
    };
    let s = value.as_str();
    let lines = s.bytes().filter(|&b| b == b'\n').count() + 1;
    fits(lines.saturating_mul(w).saturating_add(s.len()), "indent")?;
    minijinja::filters::indent(value, width, first, blank, kwargs)
}

fn replace(
    state: &mut State<'_, '_>,
    value: StringInput<'_>,
    from: StringInput<'_>,
    to: StringInput<'_>,
) -> Result<Value, Error> {
    let (v, f) = (value.as_str(), from.as_str());
    let n = if f.is_empty() {
        v.chars().count() + 1
    } else {
        v.matches(f).count()
    };
    fits(
        n.saturating_mul(to.as_str().len()).saturating_add(v.len()),
        "replace",
    )?;
    minijinja::filters::replace(state, value, from, to)
}

fn join(
    state: &mut State<'_, '_>,
    value: &Value,
    joiner: Option<StringInput<'_>>,
    attribute: Option<&str>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    if let Ok(items) = value.try_iter() {
        let sep = joiner.as_ref().map_or(0, |j| j.as_str().len());
        let mut size = 0usize;
        for item in items {
            size = size
                .saturating_add(sep)
                .saturating_add(item.as_str().map_or(0, str::len));
            fits(size, "join")?;
        }
    }
    let out = minijinja::filters::join(state, value, joiner, attribute, kwargs)?;
    // the joined text has its items' origins while provenance is recorded
    if super::provenance::active()
        && let Some(text) = out.as_str()
    {
        super::provenance::filtered(value, text);
    }
    Ok(out)
}
