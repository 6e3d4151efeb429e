//! The state events of one side of a decision, kept inline when there are
//! few: most recipients and debts have none or a couple (a consent, an
//! opt-out), and a heap allocation per side per decision cost more than
//! reading them.

use super::view::Ev;

const INLINE: usize = 2;

/// A side's state events in time order, each with the index of the first
/// record after it; reads as a slice.
#[derive(Clone, Debug)]
pub(crate) enum States<'a> {
    /// The first `len` entries are the events (the rest are fillers).
    Few {
        len: usize,
        items: [(usize, Ev<'a>); INLINE],
    },
    Many(Vec<(usize, Ev<'a>)>),
}

impl<'a> States<'a> {
    /// How many state events a side keeps without allocating.
    pub(crate) const INLINE: usize = INLINE;

    /// No state events.
    pub(crate) const fn new() -> States<'a> {
        States::Few {
            len: 0,
            items: [(0, Ev::Unreachable); INLINE],
        }
    }

    /// Room for `n` events: inline for a few, else one allocation.
    pub(crate) fn with_capacity(n: usize) -> States<'a> {
        if n > Self::INLINE {
            States::Many(Vec::with_capacity(n))
        } else {
            States::new()
        }
    }

    /// Appends an event.
    #[inline]
    pub(crate) fn push(&mut self, x: (usize, Ev<'a>)) {
        match self {
            States::Few { len, items } => {
                if let Some(slot) = items.get_mut(*len) {
                    *slot = x;
                    *len += 1;
                } else {
                    let mut v = Vec::with_capacity(Self::INLINE * 2);
                    v.extend_from_slice(items);
                    v.push(x);
                    *self = States::Many(v);
                }
            }
            States::Many(v) => v.push(x),
        }
    }
}

impl Default for States<'_> {
    fn default() -> Self {
        States::new()
    }
}

impl<'a> std::ops::Deref for States<'a> {
    type Target = [(usize, Ev<'a>)];
    #[inline]
    fn deref(&self) -> &Self::Target {
        match self {
            States::Few { len, items } => items.get(..*len).unwrap_or(&[]),
            States::Many(v) => v,
        }
    }
}

impl<'s, 'a> IntoIterator for &'s States<'a> {
    type Item = &'s (usize, Ev<'a>);
    type IntoIter = std::slice::Iter<'s, (usize, Ev<'a>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> From<Vec<(usize, Ev<'a>)>> for States<'a> {
    fn from(v: Vec<(usize, Ev<'a>)>) -> States<'a> {
        if v.len() <= Self::INLINE {
            let mut s = States::new();
            for x in v {
                s.push(x);
            }
            s
        } else {
            States::Many(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn ev(i: usize) -> (usize, Ev<'static>) {
        (
            i,
            Ev::Consent {
                channel: Channel::Sms,
                granted: i % 20 == 0,
                kind: None,
            },
        )
    }

    fn positions(s: &States<'_>) -> Vec<usize> {
        s.iter().map(|(i, _)| *i).collect()
    }

    /// Pushes read back in order whether inline or spilled, and a vector
    /// converts to the same contents.
    #[test]
    fn reads_back_what_was_pushed_across_the_inline_limit() {
        for n in 0..7 {
            let mut s = States::new();
            for i in 0..n {
                s.push(ev(i * 10));
            }
            let want: Vec<usize> = (0..n).map(|i| i * 10).collect();
            assert_eq!(positions(&s), want);
            assert_eq!(matches!(s, States::Many(_)), n > States::INLINE, "{n}");
            let from: States<'_> = (0..n).map(|i| ev(i * 10)).collect::<Vec<_>>().into();
            assert_eq!(positions(&from), want);
            assert_eq!(s.len(), n);
            let granted: Vec<bool> = (&s)
                .into_iter()
                .map(|(_, e)| matches!(e, Ev::Consent { granted: true, .. }))
                .collect();
            assert_eq!(granted, (0..n).map(|i| i % 2 == 0).collect::<Vec<_>>());
        }
    }
}
