//! A round-robin TCP balancer on loopback, as the simplest proxy in front of several instances
//! behaves: each new connection goes to the next instance, or to the one after when that one
//! does not answer. For the tests and benchmarks of several instances; a deployment uses a real
//! reverse proxy (docs/OPERATIONS.md).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running balancer; it stops with the runtime.
pub struct Balancer {
    pub addr: SocketAddr,
    /// Connections each instance took, in the order given.
    served: Arc<Vec<AtomicUsize>>,
}

impl Balancer {
    pub async fn start(instances: Vec<SocketAddr>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let served: Arc<Vec<AtomicUsize>> =
            Arc::new(instances.iter().map(|_| AtomicUsize::new(0)).collect());
        let counted = served.clone();
        tokio::spawn(async move {
            let next = AtomicUsize::new(0);
            while let Ok((inbound, _)) = listener.accept().await {
                let first = next.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(forward(inbound, instances.clone(), first, counted.clone()));
            }
        });
        Ok(Self { addr, served })
    }

    /// How many connections each instance took so far.
    pub fn served(&self) -> Vec<usize> {
        self.served
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .collect()
    }
}

async fn forward(
    mut inbound: tokio::net::TcpStream,
    instances: Vec<SocketAddr>,
    first: usize,
    served: Arc<Vec<AtomicUsize>>,
) {
    for k in 0..instances.len() {
        let i = (first + k) % instances.len();
        if let Ok(mut outbound) = tokio::net::TcpStream::connect(instances[i]).await {
            served[i].fetch_add(1, Ordering::Relaxed);
            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            return;
        }
    }
}
