//! The HTTP routes. Handlers are thin: they read the request, check who may do what, call
//! the store or a service ([`crate::issue`], [`crate::seal_making`], [`crate::stamping`],
//! [`crate::verification`], [`crate::documents`]) and pick a view ([`crate::api`], or the
//! route module's own); errors map in [`crate::problem`], and the problem answers each route
//! documents are named in [`responses`].

pub mod admin;
pub mod documents;
pub mod licences;
pub mod ops;
pub mod pages;
pub mod responses;
pub mod seals;
pub mod share;
pub mod status_lists;
pub mod trust_lists;
pub mod verify;
