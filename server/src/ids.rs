//! Ids that are easy to swap, as types: a function that takes a citizen's, an aid's and a
//! request's id cannot be called with two of them crossed. The tables keep plain integers;
//! a query compares a column with one of these as with its number.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl From<$name> for sea_orm::Value {
            fn from(id: $name) -> Self {
                id.0.into()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A citizen's record.
    CitizenId
);
id!(
    /// An aid of the catalogue.
    AidId
);
id!(
    /// An aid request, draft or filed.
    RequestId
);
