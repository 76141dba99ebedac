//! Every call to the Kubernetes API: client configuration, discovery, server-side apply and
//! watches live here and nowhere else.
