/*
 * vmbus_client.h - a Linux-like VMBus bring-up over libhvcall.so
 *
 * The guest side of a simulated machine, written as a kernel would write
 * it: CPUID, RDMSR/WRMSR (hvcall.h) and every hypercall through the
 * hypercall page with native/'s routed issuing functions (hv_routing.h).
 * Shared by examples/c/vmbus_bringup.c and tests/c/hvcall_tests.c.
 *
 * Guest layout (docs/machine-model.md): the hypercall page at GPA 0x1000;
 * per VP v four pages from 0x100000 + 0x4000 * v: hypercall input, output,
 * SynIC message page (SIMP), SynIC event flags page (SIEFP). The VMBus
 * interrupt and monitor pages are taken from 0x200000 (the guest's own
 * memory; no simulated guest code runs on a libhvcall machine).
 */
#ifndef VMBUS_CLIENT_H
#define VMBUS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hvcall.h"
#include "hv_routing.h"

/* ---- guest layout ------------------------------------------------------ */

#define GUEST_PAGE_SIZE		0x1000ULL
#define GUEST_HYPERCALL_PAGE	0x1000ULL
#define GUEST_PER_VP_BASE	0x100000ULL
#define GUEST_PER_VP_SIZE	0x4000ULL
#define GUEST_VMBUS_PAGES	0x200000ULL	/* interrupt page, monitor 1, monitor 2 */

/* Open source (bit 63), Linux (OS type 1), kernel 6.12: what Linux writes. */
#define GUEST_LINUX_OS_ID	0x81000000060c0000ULL

/* ---- MSRs (hyperv-abi.md section 7; HvX64Msr.cs) ---------------------- */

#define HV_X64_MSR_GUEST_OS_ID		0x40000000U
#define HV_X64_MSR_HYPERCALL		0x40000001U
#define HV_X64_MSR_VP_INDEX		0x40000002U
#define HV_X64_MSR_SCONTROL		0x40000080U
#define HV_X64_MSR_SVERSION		0x40000081U
#define HV_X64_MSR_SIEFP		0x40000082U
#define HV_X64_MSR_SIMP			0x40000083U
#define HV_X64_MSR_EOM			0x40000084U
#define HV_X64_MSR_SINT0		0x40000090U
#define HV_X64_MSR_NESTED_OFFSET	0x1000U
#define HV_X64_MSR_NESTED_VP_INDEX	0x40001002U
#define HV_X64_MSR_NESTED_SCONTROL	0x40001080U
#define HV_X64_MSR_NESTED_SIEFP		0x40001082U
#define HV_X64_MSR_NESTED_SIMP		0x40001083U
#define HV_X64_MSR_NESTED_EOM		0x40001084U
#define HV_X64_MSR_NESTED_SINT0		0x40001090U

#define HV_HYPERCALL_ENABLE		BIT_ULL(0)

/* ---- SynIC message slot (hyperv-abi.md section 7) ---------------------- */

#define HV_MESSAGE_SIZE			256
#define HV_MESSAGE_PAYLOAD_MAX		240
#define HV_MESSAGE_FLAG_PENDING		0x01
#define VMBUS_MESSAGE_SINT		2
#define VMBUS_SINT_VECTOR		0xf3	/* HYPERVISOR_CALLBACK_VECTOR */

/* ---- VMBus (vmbus.md sections 1-4) ------------------------------------- */

#define VMBUS_MESSAGE_CONNECTION_ID	1
#define VMBUS_MESSAGE_CONNECTION_ID_4	4
#define VMBUS_POST_MESSAGE_TYPE		1

enum vmbus_msg_type {
	CHANNELMSG_OFFERCHANNEL = 1,
	CHANNELMSG_REQUESTOFFERS = 3,
	CHANNELMSG_ALLOFFERS_DELIVERED = 4,
	CHANNELMSG_INITIATE_CONTACT = 14,
	CHANNELMSG_VERSION_RESPONSE = 15,
	CHANNELMSG_UNLOAD = 16,
	CHANNELMSG_UNLOAD_RESPONSE = 17,
};

#define VMBUS_VERSION(major, minor)	(((u32)(major) << 16) | (minor))
#define VERSION_WIN10_V5		VMBUS_VERSION(5, 0)
#define VERSION_WIN8_1			VMBUS_VERSION(3, 0)
#define VMBUS_VERSION_COUNT		8

/* Linux's vmbus_versions[], newest first: 5.3, 5.2, 5.1, 5.0, 4.1, 4.0, 3.0, 2.4. */
extern const u32 vmbus_versions[VMBUS_VERSION_COUNT];

#define VMBUS_MAX_OFFERS		32
#define VMBUS_WAIT_STEPS		2000	/* host steps to wait for one reply */

/* ---- the guest --------------------------------------------------------- */

/**
 * struct hv_guest - one VP of a libhvcall machine as guest code sees it
 * @machine: the machine
 * @mem: the native base of guest RAM (GPA 0)
 * @mem_size: its size in bytes
 * @vp: the VP the calling thread is bound to
 * @enlightenments: CPUID 0x40000004 EAX
 * @nested_root: its bit 12: a root partition on a nested hypervisor
 * @msr_scontrol: SCONTROL as routed (the nested one on a nested root)
 * @msr_simp: SIMP as routed
 * @msr_siefp: SIEFP as routed
 * @msr_sint2: SINT2 as routed
 * @msr_eom: EOM as routed
 * @msr_vp_index: the VP index the VMBus host knows the VP by
 * @input: this VP's hypercall input page
 * @output: this VP's hypercall output page
 * @simp: this VP's SynIC message page
 * @siefp: this VP's SynIC event flags page
 */
struct hv_guest {
	hvcall_machine *machine;
	u8 *mem;
	u64 mem_size;
	u32 vp;
	u32 enlightenments;
	bool nested_root;
	u32 msr_scontrol, msr_simp, msr_siefp, msr_sint2, msr_eom;
	u32 msr_vp_index;
	u8 *input, *output, *simp, *siefp;
};

/* What went wrong last in this file's functions (one line; "" if nothing). */
extern char hv_guest_error[256];

int hv_guest_attach(struct hv_guest *g, hvcall_machine *m, u32 vp);
int hv_guest_setup(struct hv_guest *g, hvcall_machine *m, u32 vp,
		   bool routing);
int hv_guest_synic_enable(struct hv_guest *g);
u64 hv_guest_gpa(const struct hv_guest *g, const void *p);
u64 hv_post_message(struct hv_guest *g, u32 connection_id, const void *msg,
		    u32 size);

/* ---- the bring-up ------------------------------------------------------ */

/**
 * struct vmbus_offer_info - one OFFERCHANNEL as received
 * @relid: child_relid
 * @connection_id: the id for HvCallSignalEvent
 * @if_type: device class GUID (wire order)
 * @if_instance: instance GUID (wire order)
 * @signal_result: the fast SignalEvent's result word on @connection_id
 */
struct vmbus_offer_info {
	u32 relid;
	u32 connection_id;
	u8 if_type[16];
	u8 if_instance[16];
	u64 signal_result;
};

/**
 * struct vmbus_report - what the bring-up did
 * @version: the negotiated version, 0 when none was accepted
 * @msg_conn_id: the message connection id used after negotiation
 * @tried: INITIATE_CONTACTs sent, newest version first
 * @tried_version: the version of each
 * @tried_result: its PostMessage result word
 * @tried_supported: VERSION_RESPONSE's version_supported (0 without one)
 * @offers: OFFERCHANNELs received, in order
 * @n_offers: how many
 * @all_offers_delivered: ALLOFFERS_DELIVERED received
 * @unloaded: UNLOAD_RESPONSE received
 * @post_messages: HvCallPostMessage calls made
 * @signal_events: HvCallSignalEvent calls made
 * @messages: host messages taken from the SINT 2 slot
 * @eoms: EOM writes (the slot's MessagePending flag was set)
 * @steps: host steps run (hvcall_run)
 * @error: what went wrong, "" when nothing
 */
struct vmbus_report {
	u32 version;
	u32 msg_conn_id;
	unsigned int tried;
	u32 tried_version[VMBUS_VERSION_COUNT];
	u64 tried_result[VMBUS_VERSION_COUNT];
	u8 tried_supported[VMBUS_VERSION_COUNT];
	struct vmbus_offer_info offers[VMBUS_MAX_OFFERS];
	unsigned int n_offers;
	bool all_offers_delivered;
	bool unloaded;
	unsigned int post_messages, signal_events, messages, eoms;
	unsigned long steps;
	char error[256];
};

/* vmbus_bringup() return values, also vmbus_bringup's exit codes */
#define VMBUS_CONNECTED		0
#define VMBUS_E_FAILED		1	/* a call failed or a reply never came */
#define VMBUS_E_NO_VERSION	3	/* no INITIATE_CONTACT was accepted */

int vmbus_bringup(struct hv_guest *g, struct vmbus_report *r);
void vmbus_report_print(const struct vmbus_report *r,
			const struct hv_guest *g, FILE *f);
void vmbus_guid_string(const u8 guid[16], char out[37]);
const char *vmbus_device_name(const u8 guid[16]);

#endif /* VMBUS_CLIENT_H */
