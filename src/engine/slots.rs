//! Slots: a list that keeps its order when items leave, without moving the others each time.
//!
//! The tracker shows objects in the order they were first tracked and finds them by position;
//! `watch -l` may stop tracking thousands of them at once (a namespace deleted). Removing from a
//! `Vec` would shift every later item and renumber them one removal at a time (quadratic); a
//! tree of slots costs several times the items' size in nodes. Here a removal leaves a hole,
//! and the holes are squeezed out in one pass once they outnumber the items, so each removal
//! costs O(1) amortized and the list stays within twice its items' size.

use std::ops::Index;

#[derive(Debug, Clone)]
pub struct Slots<T> {
    items: Vec<Option<T>>,
    live: usize,
}

/// Holes are squeezed out only past this many, so a list of a few items never reshuffles.
const MIN_HOLES_TO_COMPACT: usize = 64;

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            items: Vec::new(),
            live: 0,
        }
    }
}

impl<T> Slots<T> {
    /// Adds an item at the end; returns its position.
    pub fn push(&mut self, item: T) -> usize {
        self.items.push(Some(item));
        self.live += 1;
        self.items.len() - 1
    }

    /// Takes the item out of its position, leaving the others where they are.
    pub fn remove(&mut self, position: usize) -> Option<T> {
        let item = self.items.get_mut(position)?.take()?;
        self.live -= 1;
        Some(item)
    }

    /// When the holes outnumber the items, squeezes them out; returns, for each old position,
    /// the new one (`None` for a hole), so the caller can renumber what it holds. The order
    /// of the items is kept.
    pub fn compact(&mut self) -> Option<Vec<Option<usize>>> {
        let holes = self.items.len() - self.live;
        if holes < MIN_HOLES_TO_COMPACT || holes <= self.live {
            return None;
        }
        let mut moves = Vec::with_capacity(self.items.len());
        let mut next = 0;
        for item in &self.items {
            moves.push(item.as_ref().map(|_| {
                next += 1;
                next - 1
            }));
        }
        self.items.retain(Option::is_some);
        self.items.shrink_to_fit();
        Some(moves)
    }

    pub fn get(&self, position: usize) -> Option<&T> {
        self.items.get(position)?.as_ref()
    }

    pub fn get_mut(&mut self, position: usize) -> Option<&mut T> {
        self.items.get_mut(position)?.as_mut()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The positions of the items, in order.
    pub fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(position, item)| item.as_ref().map(|_| position))
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.iter().flatten()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.iter_mut().flatten()
    }
}

impl<T> Index<usize> for Slots<T> {
    type Output = T;

    fn index(&self, position: usize) -> &T {
        self.get(position).expect("a position of a present item")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removals_leave_the_others_in_place_until_the_holes_outnumber_them() {
        let mut slots = Slots::default();
        let positions: Vec<usize> = (0..200).map(|i| slots.push(i)).collect();
        assert_eq!(positions, (0..200).collect::<Vec<_>>());
        for position in (0..200).step_by(2) {
            assert_eq!(slots.remove(position), Some(position));
            assert_eq!(
                slots.compact(),
                None,
                "100 holes do not outnumber 100 items"
            );
        }
        assert_eq!(slots.remove(0), None, "already removed");
        assert_eq!(slots.len(), 100);
        assert_eq!(slots[7], 7);
        assert_eq!(slots.get(8), None);
        assert_eq!(slots.positions().take(3).collect::<Vec<_>>(), [1, 3, 5]);

        assert_eq!(slots.remove(1), Some(1));
        let moves = slots.compact().expect("101 holes outnumber 99 items");
        assert_eq!(moves.len(), 200);
        assert_eq!(&moves[..6], &[None, None, None, Some(0), None, Some(1)]);
        assert_eq!(moves[199], Some(98));
        assert_eq!(slots.len(), 99);
        assert_eq!(
            slots.values().copied().take(3).collect::<Vec<_>>(),
            [3, 5, 7]
        );
        assert_eq!(slots[98], 199);
        assert_eq!(slots.push(1000), 99, "new items go after the kept ones");
    }

    #[test]
    fn a_few_holes_are_never_squeezed_out() {
        let mut slots = Slots::default();
        for i in 0..10 {
            slots.push(i);
        }
        for position in 0..9 {
            slots.remove(position);
        }
        assert_eq!(slots.compact(), None);
        assert_eq!(slots.positions().collect::<Vec<_>>(), [9]);
    }
}
