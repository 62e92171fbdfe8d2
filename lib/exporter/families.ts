/**
 * The metric families. The first group repeats Debian's `prometheus-libvirt-exporter` (names,
 * help, labels, units) so that its dashboards work unchanged; the rest is what bulk stats offer
 * beyond it. Counters are raw libvirt counters (Prometheus computes the rates).
 */
import type { Family } from './text.js';

const g = (name: string, help: string): Family => ({ name, help, type: 'gauge' });
const c = (name: string, help: string): Family => ({ name, help, type: 'counter' });

/** Families shared with `prometheus-libvirt-exporter`. */
export const F = {
  up: g('libvirt_up', "Whether scraping libvirt's metrics was successful."),
  domainsNumber: g('libvirt_domains_number', 'Number of domains.'),
  stateCode: g('libvirt_domain_state_code', 'State of the domain.'),
  maxMem: g('libvirt_domain_info_maximum_memory_bytes', 'Maximum allowed memory of the domain, in bytes.'),
  memory: g('libvirt_domain_info_memory_usage_bytes', 'Memory usage of the domain, in bytes.'),
  vcpus: g('libvirt_domain_info_virtual_cpus', 'Number of virtual CPUs for the domain.'),
  cpuTime: c('libvirt_domain_info_cpu_time_seconds_total', 'Amount of CPU time used by the domain, in seconds.'),
  blockRdBytes: c('libvirt_domain_block_stats_read_bytes_total', 'Number of bytes read from a block device, in bytes.'),
  blockRdReqs: c('libvirt_domain_block_stats_read_requests_total', 'Number of read requests from a block device.'),
  blockWrBytes: c('libvirt_domain_block_stats_write_bytes_total', 'Number of bytes written from a block device, in bytes.'),
  blockWrReqs: c('libvirt_domain_block_stats_write_requests_total', 'Number of write requests from a block device.'),
  netRxBytes: c('libvirt_domain_interface_stats_receive_bytes_total', 'Number of bytes received on a network interface, in bytes.'),
  netRxPkts: c('libvirt_domain_interface_stats_receive_packets_total', 'Number of packets received on a network interface.'),
  netRxErrs: c('libvirt_domain_interface_stats_receive_errors_total', 'Number of packet receive errors on a network interface.'),
  netRxDrop: c('libvirt_domain_interface_stats_receive_drops_total', 'Number of packet receive drops on a network interface.'),
  netTxBytes: c('libvirt_domain_interface_stats_transmit_bytes_total', 'Number of bytes transmitted on a network interface, in bytes.'),
  netTxPkts: c('libvirt_domain_interface_stats_transmit_packets_total', 'Number of packets transmitted on a network interface.'),
  netTxErrs: c('libvirt_domain_interface_stats_transmit_errors_total', 'Number of packet transmit errors on a network interface.'),
  netTxDrop: c('libvirt_domain_interface_stats_transmit_drops_total', 'Number of packet transmit drops on a network interface.'),
} as const;

/** Families beyond the Go exporter, from the same bulk-stats call. */
export const X = {
  stateReason: g('libvirt_domain_state_reason_code', 'Reason for the current state of the domain (VIR_DOMAIN_*_REASON value).'),
  cpuUser: c('libvirt_domain_cpu_user_seconds_total', 'User CPU time used by the domain, in seconds.'),
  cpuSystem: c('libvirt_domain_cpu_system_seconds_total', 'System CPU time used by the domain, in seconds.'),
  vcpuState: g('libvirt_domain_vcpu_state', 'State of the virtual CPU (VIR_VCPU_* value).'),
  vcpuTime: c('libvirt_domain_vcpu_time_seconds_total', 'Time spent running the virtual CPU, in seconds.'),
  vcpuWait: c('libvirt_domain_vcpu_wait_seconds_total', 'Time the virtual CPU wanted to run but was not scheduled, in seconds.'),
  vcpuDelay: c('libvirt_domain_vcpu_delay_seconds_total', 'Time the virtual CPU spent waiting in the host run queue, in seconds.'),
  balloonCurrent: g('libvirt_domain_memory_balloon_current_bytes', 'Current balloon size, in bytes.'),
  balloonMaximum: g('libvirt_domain_memory_balloon_maximum_bytes', 'Maximum balloon size, in bytes.'),
  balloonRss: g('libvirt_domain_memory_rss_bytes', 'Resident set size of the domain process, in bytes.'),
  balloonAvailable: g('libvirt_domain_memory_available_bytes', 'Memory the guest sees as available, in bytes.'),
  balloonUnused: g('libvirt_domain_memory_unused_bytes', 'Memory left unused by the guest, in bytes.'),
  balloonUsable: g('libvirt_domain_memory_usable_bytes', 'Memory the guest could use without swapping, in bytes.'),
  balloonDiskCaches: g('libvirt_domain_memory_disk_caches_bytes', 'Memory the guest uses for disk caches, in bytes.'),
  balloonSwapIn: c('libvirt_domain_memory_swap_in_bytes_total', 'Memory swapped in by the guest, in bytes.'),
  balloonSwapOut: c('libvirt_domain_memory_swap_out_bytes_total', 'Memory swapped out by the guest, in bytes.'),
  balloonMajorFault: c('libvirt_domain_memory_major_faults_total', 'Page faults in the guest that needed disk I/O.'),
  balloonMinorFault: c('libvirt_domain_memory_minor_faults_total', 'Page faults in the guest served without disk I/O.'),
  blockRdTime: c('libvirt_domain_block_stats_read_seconds_total', 'Amount of time spent reading from a block device, in seconds.'),
  blockWrTime: c('libvirt_domain_block_stats_write_seconds_total', 'Amount of time spent writing from a block device, in seconds.'),
  blockFlReqs: c('libvirt_domain_block_stats_flush_requests_total', 'Number of flush requests from a block device.'),
  blockFlTime: c('libvirt_domain_block_stats_flush_seconds_total', 'Amount of time spent flushing of a block device, in seconds.'),
  blockCapacity: g('libvirt_domain_block_capacity_bytes', 'Logical size of a block device, in bytes.'),
  blockAllocation: g('libvirt_domain_block_allocation_bytes', 'Highest written offset of a block device, in bytes.'),
  blockPhysical: g('libvirt_domain_block_physical_bytes', 'Physical size of the container of a block device, in bytes.'),
  pollSeconds: g('virtkit_exporter_poll_seconds', 'Duration of the last poll of this libvirt connection, in seconds.'),
} as const;

/** Every family, in the order the page lists them. */
export const ALL_FAMILIES: readonly Family[] = [...Object.values(F), ...Object.values(X)];
