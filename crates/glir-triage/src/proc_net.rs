//! `/proc/net/{tcp,tcp6,udp,udp6}`: the kernel's socket tables. Each line after the header is
//! `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`, addresses as hex words in the
//! host's byte order (`0100007F:1F90` is 127.0.0.1:8080 on a little-endian host) and ports as
//! plain hex. Read on the host that wrote them, so the words are taken in native order.
//! Format: the kernel's `Documentation/networking/proc_net_tcp.rst`.

use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Tcp6,
    Udp,
    Udp6,
}

impl Proto {
    pub const ALL: [Proto; 4] = [Proto::Tcp, Proto::Tcp6, Proto::Udp, Proto::Udp6];

    /// The file under `/proc/net`.
    pub fn file_name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Tcp6 => "tcp6",
            Proto::Udp => "udp",
            Proto::Udp6 => "udp6",
        }
    }

    pub fn is_tcp(self) -> bool {
        matches!(self, Proto::Tcp | Proto::Tcp6)
    }
}

/// `TCP_LISTEN` in the kernel's `include/net/tcp_states.h`.
const TCP_LISTEN: u8 = 0x0A;
/// `TCP_CLOSE`: what an unconnected (bound, receiving) UDP socket shows.
const UDP_UNCONNECTED: u8 = 0x07;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Socket {
    pub proto: Proto,
    pub local: IpAddr,
    pub local_port: u16,
    pub remote: IpAddr,
    pub remote_port: u16,
    pub state: u8,
    pub uid: u32,
    pub inode: u64,
}

impl Socket {
    /// A TCP socket in LISTEN, or a UDP socket bound and waiting for anyone.
    pub fn is_listening(&self) -> bool {
        if self.proto.is_tcp() {
            self.state == TCP_LISTEN
        } else {
            self.state == UDP_UNCONNECTED && self.remote_port == 0
        }
    }
}

/// A line that is not a socket, with its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub reason: &'static str,
}

/// Every socket of one table, and the lines that are not sockets (the header aside).
pub fn parse_table(proto: Proto, text: &str) -> (Vec<Socket>, Vec<BadLine>) {
    let mut sockets = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("sl ") || trimmed == "sl" {
            continue;
        }
        match parse_line(proto, trimmed) {
            Ok(socket) => sockets.push(socket),
            Err(reason) => bad.push(BadLine {
                line: n + 1,
                reason,
            }),
        }
    }
    (sockets, bad)
}

fn parse_line(proto: Proto, line: &str) -> Result<Socket, &'static str> {
    let mut fields = line.split_whitespace();
    let slot = fields.next().ok_or("empty")?;
    if !slot.ends_with(':') || slot[..slot.len() - 1].parse::<u64>().is_err() {
        return Err("no slot number");
    }
    let (local, local_port) = address(proto, fields.next().ok_or("no local address")?)?;
    let (remote, remote_port) = address(proto, fields.next().ok_or("no remote address")?)?;
    let state =
        u8::from_str_radix(fields.next().ok_or("no state")?, 16).map_err(|_| "bad state")?;
    // tx_queue:rx_queue, tr:tm->when, retrnsmt
    for _ in 0..3 {
        fields.next().ok_or("too few fields")?;
    }
    let uid = fields
        .next()
        .and_then(|f| f.parse().ok())
        .ok_or("bad uid")?;
    fields.next().ok_or("no timeout")?;
    let inode = fields
        .next()
        .and_then(|f| f.parse().ok())
        .ok_or("bad inode")?;
    Ok(Socket {
        proto,
        local,
        local_port,
        remote,
        remote_port,
        state,
        uid,
        inode,
    })
}

fn address(proto: Proto, field: &str) -> Result<(IpAddr, u16), &'static str> {
    let (ip, port) = field.split_once(':').ok_or("address without a port")?;
    let port = u16::from_str_radix(port, 16).map_err(|_| "bad port")?;
    if !ip.is_ascii() {
        return Err("bad address");
    }
    let ip = match (proto, ip.len()) {
        (Proto::Tcp | Proto::Udp, 8) => IpAddr::V4(Ipv4Addr::from(word(ip)?)),
        (Proto::Tcp6 | Proto::Udp6, 32) => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                chunk.copy_from_slice(&word(&ip[i * 8..i * 8 + 8])?);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return Err("address of the wrong length"),
    };
    Ok((ip, port))
}

/// One 32-bit word as the kernel printed it (`%08X` of a value in network order read natively).
fn word(hex: &str) -> Result<[u8; 4], &'static str> {
    u32::from_str_radix(hex, 16)
        .map(u32::to_ne_bytes)
        .map_err(|_| "bad address")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lines as a little-endian Linux host writes them.
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000   998        0 1002 1 0000000000000000 20 4 30 10 -1
";

    #[test]
    #[cfg(target_endian = "little")]
    fn reads_listeners_and_connections() {
        let (sockets, bad) = parse_table(Proto::Tcp, TCP);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(sockets.len(), 2);
        assert_eq!(sockets[0].local_port, 443);
        assert!(sockets[0].is_listening());
        assert_eq!(sockets[0].inode, 1001);
        assert_eq!(sockets[1].local, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(sockets[1].local_port, 8080);
        assert_eq!(sockets[1].remote_port, 50000);
        assert_eq!(sockets[1].uid, 998);
        assert!(!sockets[1].is_listening());
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn reads_ipv6_words_in_host_order() {
        let line = "0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7 1";
        let (sockets, bad) = parse_table(Proto::Tcp6, line);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(sockets[0].local, "::1".parse::<IpAddr>().unwrap());
        assert_eq!(sockets[0].local_port, 22);
    }

    #[test]
    fn names_lines_that_are_not_sockets() {
        let (sockets, bad) =
            parse_table(Proto::Udp, "sl local\n0: ZZZZZZZZ:0000 00000000:0000 07\n");
        assert!(sockets.is_empty());
        assert_eq!(
            bad,
            vec![BadLine {
                line: 2,
                reason: "bad address"
            }]
        );
    }
}
