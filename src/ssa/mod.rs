//! Server-side apply rules that need no API call: the defaults an applied configuration must
//! carry, a Secret's `stringData` sent as `data`, and the rewrite of field ownership when
//! kstatus adopts another manager's fields.

pub mod adoption;
pub mod defaults;
pub mod secrets;
