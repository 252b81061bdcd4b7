//! Enums stored as text: a status, a state, a source. [`stored_enum!`] gives each variant its
//! id once; the column holds it (sea-orm's `DeriveActiveEnum`, so entities and queries take
//! the enum, not a string), serde writes it (exports and imports), and `ALL`, `id` and
//! `parse` (for addresses and forms) come with it.

/// `stored_enum! { /// doc
/// pub enum State { Booked = "booked", Missed = "missed" } }`
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $id:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            serde::Serialize,
            serde::Deserialize,
            sea_orm::EnumIter,
            sea_orm::DeriveActiveEnum,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(sea_orm::sea_query::StringLen::None)")]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[sea_orm(string_value = $id)]
                #[serde(rename = $id)]
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($id),+].len()] = [$($name::$variant),+];

            /// As stored.
            pub fn id(self) -> &'static str {
                match self {
                    $($name::$variant => $id,)+
                }
            }

            pub fn parse(id: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.id() == id)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum as _;

    stored_enum! {
        enum Light {
            Red = "red",
            /// Documented variants keep their doc.
            AmberFlashing = "amber_flashing",
        }
    }

    #[test]
    fn one_id_for_the_column_serde_and_parse() {
        assert_eq!(Light::ALL, [Light::Red, Light::AmberFlashing]);
        assert_eq!(Light::AmberFlashing.id(), "amber_flashing");
        assert_eq!(Light::AmberFlashing.to_value(), "amber_flashing");
        assert_eq!(
            serde_json::to_string(&Light::AmberFlashing).unwrap(),
            "\"amber_flashing\""
        );
        assert_eq!(Light::parse("red"), Some(Light::Red));
        assert_eq!(Light::parse("Red"), None);
        assert_eq!(
            Light::try_from_value(&"amber_flashing".to_owned()).unwrap(),
            Light::AmberFlashing
        );
        assert!(Light::try_from_value(&"blue".to_owned()).is_err());
    }
}
