//! Every call to the Kubernetes API: client configuration, discovery, server-side apply and
//! watches live here and nowhere else, and so does what their failures mean (`errors`).

pub mod adopt;
pub mod apply;
pub mod applyset;
pub mod client;
pub mod completion;
pub mod discovery;
pub mod errors;
pub mod inspect;
pub mod live;
pub mod logs;
pub mod secrets;
pub mod slim;
pub mod throttle;
pub mod versions;
pub mod watch;

pub use errors::{describe, status_code};
