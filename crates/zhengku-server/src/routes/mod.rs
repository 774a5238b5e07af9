//! The HTTP routes. Handlers are thin: they check who may do what, call the store or the
//! issuing path, and pick a view from [`crate::api`]; errors map in [`crate::problem`].

pub mod admin;
pub mod documents;
pub mod licences;
pub mod ops;
pub mod pages;
pub mod seals;
pub mod verify;
