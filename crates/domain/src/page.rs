//! Page sizes and pages of results.

use crate::error::ValidationError;

/// How many items one page of a public list holds: 1–100, 20 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u16);

impl PageSize {
    pub const DEFAULT: PageSize = PageSize(20);
    pub const MAX: u16 = 100;

    pub fn parse(requested: Option<i64>) -> Result<Self, ValidationError> {
        match requested {
            None => Ok(Self::DEFAULT),
            Some(n) if (1..=i64::from(Self::MAX)).contains(&n) => {
                // In 1..=100, so it fits in u16.
                Ok(Self(u16::try_from(n).unwrap_or(Self::MAX)))
            }
            Some(_) => Err(ValidationError::new(
                "limit",
                format!("must be between 1 and {}", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> u64 {
        u64::from(self.0)
    }
}

/// One page of a keyset-paged list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, C> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<C>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_defaults_to_twenty_and_stays_in_bounds() {
        assert_eq!(PageSize::parse(None).unwrap().get(), 20);
        assert_eq!(PageSize::parse(Some(1)).unwrap().get(), 1);
        assert_eq!(PageSize::parse(Some(100)).unwrap().get(), 100);
        for bad in [0, -1, 101, 100_000] {
            assert_eq!(PageSize::parse(Some(bad)).unwrap_err().field, "limit");
        }
    }
}
