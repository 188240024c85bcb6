//! The in-process parts of each desk of the application, held once in [`crate::App`]: the
//! newsroom side's settings and sign-in throttle, the comment limits and reader keys, and
//! syndication's pending log and webhook client, the limits shared with the other nodes, and the
//! live wire that fans new events out to this node's followers.

pub mod comments;
pub mod live;
pub mod newsroom;
pub mod shared_limits;
pub mod syndication;
