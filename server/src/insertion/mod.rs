//! Insertion (RSA): the benefit agencies' files imported, orientation within the legal clock,
//! referents, the engagement contract, convocations and sanctions (issue 16, being built).
//!
//! Built so far: reading the CAF/MSA monthly « flux bénéficiaires RSA » as a stream (`flux`),
//! the NIR and its key (`nir`), and the generator of realistic test files (`generator`). The
//! module's declaration (`Part`), tables and pages come next, in the layout of
//! `user_relations`.

pub mod flux;
pub mod generator;
pub mod nir;
