/*
 * vmbus_client.c - a Linux-like VMBus bring-up over libhvcall.so
 *
 * The order is Linux's (vmbus.md section 4): SynIC per VP through the
 * routed MSRs, INITIATE_CONTACT newest version first, REQUESTOFFERS,
 * OFFERCHANNEL until ALLOFFERS_DELIVERED, then UNLOAD. Every hypercall goes
 * through the hypercall page with native/'s issuing functions, so the
 * routing table, not this file, decides which calls carry the nested bit.
 *
 * Build with -mno-red-zone (the issuing functions call the page from
 * inline assembly).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "vmbus_client.h"

const u32 vmbus_versions[VMBUS_VERSION_COUNT] = {
	VMBUS_VERSION(5, 3), VMBUS_VERSION(5, 2), VMBUS_VERSION(5, 1),
	VMBUS_VERSION(5, 0), VMBUS_VERSION(4, 1), VMBUS_VERSION(4, 0),
	VMBUS_VERSION(3, 0), VMBUS_VERSION(2, 4),
};

char hv_guest_error[256];

/* Linux retries these PostMessage statuses up to 100 times (hyperv-abi.md section 8). */
#define POST_MESSAGE_RETRIES	100

/* ---- errors ------------------------------------------------------------ */

/**
 * set_error() - record what went wrong
 * @rc: the value to return
 * @buf: where (hv_guest_error or a report's error)
 * @size: its size
 * @fmt: printf format
 *
 * Return: @rc, for "return set_error(rc, ...)".
 */
static int __attribute__((format(printf, 4, 5)))
set_error(int rc, char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return rc;
}

/* Record in hv_guest_error and return rc. */
#define guest_fail(rc, ...) \
	set_error((rc), hv_guest_error, sizeof(hv_guest_error), __VA_ARGS__)
/* Record in the report and return -1. */
#define report_error(r, ...) \
	set_error(-1, (r)->error, sizeof((r)->error), __VA_ARGS__)

/* ---- the guest --------------------------------------------------------- */

/* The machine whose guest RAM the hv_virt_to_phys seam translates into. */
static u8 *hv_guest_base;

/**
 * guest_virt_to_phys() - native/'s hv_virt_to_phys for libhvcall guest RAM
 * @p: an address inside guest RAM
 *
 * Guest RAM is one native range from GPA 0, so the GPA is the offset.
 *
 * Return: the GPA of @p.
 */
static u64 guest_virt_to_phys(const void *p)
{
	return (u64)((const u8 *)p - hv_guest_base);
}

/**
 * hv_guest_gpa() - the GPA of an address inside the guest's RAM
 * @g: the guest
 * @p: the address
 *
 * Return: @p - the base of guest RAM.
 */
u64 hv_guest_gpa(const struct hv_guest *g, const void *p)
{
	return (u64)((const u8 *)p - g->mem);
}

/**
 * hv_guest_attach() - bind the calling thread to a VP and describe it
 * @g: filled in
 * @m: the machine
 * @vp: the VP index
 *
 * Binds, reads CPUID 0x40000004 (bit 12: nested root), picks the SynIC MSRs
 * the way Linux does on a nested root (the nested ones, +0x1000) and points
 * the seams at this machine: hv_hypercall_pg at GPA 0x1000 and
 * hv_virt_to_phys to "p - base". Writes no MSR.
 *
 * Return: 0, or a negative HVCALL_E_* code (hv_guest_error says why).
 */
int hv_guest_attach(struct hv_guest *g, hvcall_machine *m, u32 vp)
{
	u32 regs[4];
	u64 per_vp;
	int rc;

	memset(g, 0, sizeof(*g));
	g->machine = m;
	g->vp = vp;
	g->mem = hvcall_guest_memory(m, &g->mem_size);
	if (!g->mem)
		return guest_fail(HVCALL_E_ARGUMENT, "hvcall_guest_memory: %s",
				  hvcall_last_error());
	rc = hvcall_bind_vp(m, vp);
	if (rc)
		return guest_fail(rc, "hvcall_bind_vp(%u): %s", vp,
				  hvcall_last_error());
	per_vp = GUEST_PER_VP_BASE + GUEST_PER_VP_SIZE * vp;
	if (per_vp + GUEST_PER_VP_SIZE > g->mem_size)
		return guest_fail(HVCALL_E_VP,
				  "VP %u's pages are outside guest RAM", vp);
	g->input = g->mem + per_vp;
	g->output = g->input + GUEST_PAGE_SIZE;
	g->simp = g->input + 2 * GUEST_PAGE_SIZE;
	g->siefp = g->input + 3 * GUEST_PAGE_SIZE;

	hvcall_cpuid(HYPERV_CPUID_ENLIGHTMENT_INFO, 0, regs);
	g->enlightenments = regs[0];
	g->nested_root = regs[0] & HV_X64_HYPERV_NESTED;
	if (g->nested_root) {
		g->msr_scontrol = HV_X64_MSR_NESTED_SCONTROL;
		g->msr_simp = HV_X64_MSR_NESTED_SIMP;
		g->msr_siefp = HV_X64_MSR_NESTED_SIEFP;
		g->msr_sint2 = HV_X64_MSR_NESTED_SINT0 + VMBUS_MESSAGE_SINT;
		g->msr_eom = HV_X64_MSR_NESTED_EOM;
		g->msr_vp_index = HV_X64_MSR_NESTED_VP_INDEX;
	} else {
		g->msr_scontrol = HV_X64_MSR_SCONTROL;
		g->msr_simp = HV_X64_MSR_SIMP;
		g->msr_siefp = HV_X64_MSR_SIEFP;
		g->msr_sint2 = HV_X64_MSR_SINT0 + VMBUS_MESSAGE_SINT;
		g->msr_eom = HV_X64_MSR_EOM;
		g->msr_vp_index = HV_X64_MSR_VP_INDEX;
	}

	hv_guest_base = g->mem;
	hv_virt_to_phys = guest_virt_to_phys;
	hv_hypercall_pg = g->mem + GUEST_HYPERCALL_PAGE;
	return HVCALL_OK;
}

/**
 * hv_guest_setup() - early init of a guest VP, as Linux's hyperv_init()
 * @g: filled in
 * @m: the machine
 * @vp: the VP index
 * @routing: build the routing table from CPUID 0x40000004 EAX; false
 *	     switches it off (hv_routing_init(0)), the ablation
 *
 * hv_guest_attach(), then GUEST_OS_ID, then HYPERCALL = 0x1000 | enable,
 * which overlays the hypercall page, then the routing table.
 *
 * Return: 0, or a negative HVCALL_E_* code (hv_guest_error says why).
 */
int hv_guest_setup(struct hv_guest *g, hvcall_machine *m, u32 vp,
		   bool routing)
{
	u64 hypercall;
	int rc;

	rc = hv_guest_attach(g, m, vp);
	if (rc)
		return rc;
	rc = hvcall_wrmsr(HV_X64_MSR_GUEST_OS_ID, GUEST_LINUX_OS_ID);
	if (rc)
		return guest_fail(rc, "WRMSR GUEST_OS_ID: %s",
				  hvcall_last_error());
	rc = hvcall_rdmsr(HV_X64_MSR_HYPERCALL, &hypercall);
	if (rc)
		return guest_fail(rc, "RDMSR HYPERCALL: %s",
				  hvcall_last_error());
	hypercall = (hypercall & 0xfffULL & ~HV_HYPERCALL_ENABLE) |
		    GUEST_HYPERCALL_PAGE | HV_HYPERCALL_ENABLE;
	rc = hvcall_wrmsr(HV_X64_MSR_HYPERCALL, hypercall);
	if (rc)
		return guest_fail(rc, "WRMSR HYPERCALL: %s",
				  hvcall_last_error());
	rc = hvcall_rdmsr(HV_X64_MSR_HYPERCALL, &hypercall);
	if (rc || !(hypercall & HV_HYPERCALL_ENABLE))
		return guest_fail(HVCALL_E_STATE,
				  "the hypercall page is not enabled");
	hv_routing_init(routing ? g->enlightenments : 0);
	return HVCALL_OK;
}

/**
 * hv_guest_synic_enable() - Linux's hv_synic_enable_regs() for this VP
 * @g: the guest, attached
 *
 * SIMP and SIEFP (zeroed pages, enable + GPA), SINT2 (vector, unmasked),
 * then SCONTROL.enable, all through the routed MSRs.
 *
 * Return: 0, or a negative HVCALL_E_* code (hv_guest_error says why).
 */
int hv_guest_synic_enable(struct hv_guest *g)
{
	u64 scontrol;
	int rc;

	memset(g->simp, 0, GUEST_PAGE_SIZE);
	memset(g->siefp, 0, GUEST_PAGE_SIZE);
	rc = hvcall_wrmsr(g->msr_simp, hv_guest_gpa(g, g->simp) | 1);
	if (!rc)
		rc = hvcall_wrmsr(g->msr_siefp, hv_guest_gpa(g, g->siefp) | 1);
	if (!rc)
		rc = hvcall_wrmsr(g->msr_sint2, VMBUS_SINT_VECTOR);
	if (!rc)
		rc = hvcall_rdmsr(g->msr_scontrol, &scontrol);
	if (!rc)
		rc = hvcall_wrmsr(g->msr_scontrol, scontrol | 1);
	if (rc)
		return guest_fail(rc, "SynIC: %s", hvcall_last_error());
	return HVCALL_OK;
}

/**
 * hv_post_message() - HvCallPostMessage through the page
 * @g: the guest
 * @connection_id: the connection
 * @msg: the payload (a VMBus message)
 * @size: its size, at most 240
 *
 * The input page holds connection id u32, reserved u32, message type u32
 * (VMBus: 1), payload size u32 and the payload (hyperv-abi.md section 8).
 *
 * Return: the hypercall result.
 */
u64 hv_post_message(struct hv_guest *g, u32 connection_id, const void *msg,
		    u32 size)
{
	u8 *in = g->input;
	u32 header[4] = { connection_id, 0, VMBUS_POST_MESSAGE_TYPE, size };

	memset(in, 0, HV_MESSAGE_SIZE);
	memcpy(in, header, sizeof(header));
	memcpy(in + sizeof(header), msg,
	       size > HV_MESSAGE_PAYLOAD_MAX ? HV_MESSAGE_PAYLOAD_MAX : size);
	return hv_do_hypercall(HVCALL_POST_MESSAGE, in, NULL);
}

/* ---- messages ---------------------------------------------------------- */

static void put_u32(u8 *p, u32 v)
{
	memcpy(p, &v, sizeof(v));
}

static void put_u64(u8 *p, u64 v)
{
	memcpy(p, &v, sizeof(v));
}

static u32 get_u32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/**
 * vmbus_post() - post one VMBus message as Linux's vmbus_post_msg()
 * @g: the guest
 * @r: the report (counts the calls)
 * @connection_id: the message connection
 * @msg: the message
 * @size: its size
 *
 * INSUFFICIENT_MEMORY and INSUFFICIENT_BUFFERS are retried up to 100
 * times, with a host step between tries; any other status is returned.
 *
 * Return: the last hypercall result.
 */
static u64 vmbus_post(struct hv_guest *g, struct vmbus_report *r,
		      u32 connection_id, const void *msg, u32 size)
{
	u64 result = 0;
	int i;

	for (i = 0; i < POST_MESSAGE_RETRIES; i++) {
		result = hv_post_message(g, connection_id, msg, size);
		r->post_messages++;
		if (hv_result_status(result) != HV_STATUS_INSUFFICIENT_MEMORY &&
		    hv_result_status(result) != HV_STATUS_INSUFFICIENT_BUFFERS)
			break;
		hvcall_run(g->machine, 1);
		r->steps++;
	}
	return result;
}

/**
 * vmbus_next_message() - take the next host message from the SINT 2 slot
 * @g: the guest
 * @r: the report (counts messages, EOMs and host steps)
 * @buf: receives the payload (240 bytes)
 * @len: receives its size
 *
 * Lets the host run one step at a time until the slot holds a message, up
 * to VMBUS_WAIT_STEPS steps. Frees the slot as Linux does (compare-and-swap
 * its type to 0) and writes EOM when the MessagePending flag was set, so
 * the hypervisor delivers the next queued message.
 *
 * Return: 0, or -1 when nothing came (@r->error says so).
 */
static int vmbus_next_message(struct hv_guest *g, struct vmbus_report *r,
			      u8 *buf, u32 *len)
{
	u8 *slot = g->simp + VMBUS_MESSAGE_SINT * HV_MESSAGE_SIZE;
	u32 *type = (u32 *)slot;
	unsigned int steps = 0;

	for (;;) {
		u32 old = __atomic_load_n(type, __ATOMIC_ACQUIRE);

		if (old) {
			u32 size = slot[4];

			if (size > HV_MESSAGE_PAYLOAD_MAX)
				size = HV_MESSAGE_PAYLOAD_MAX;
			memcpy(buf, slot + 16, size);
			*len = size;
			r->messages++;
			__atomic_compare_exchange_n(type, &old, 0, false,
						    __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&slot[5], __ATOMIC_ACQUIRE) &
			    HV_MESSAGE_FLAG_PENDING) {
				if (hvcall_wrmsr(g->msr_eom, 0))
					return report_error(r, "EOM: %s",
							    hvcall_last_error());
				r->eoms++;
			}
			return 0;
		}
		if (steps++ == VMBUS_WAIT_STEPS)
			return report_error(r, "no host message in %u steps",
					    VMBUS_WAIT_STEPS);
		if (hvcall_run(g->machine, 1))
			return report_error(r, "hvcall_run: %s",
					    hvcall_last_error());
		r->steps++;
	}
}

/**
 * vmbus_wait_for() - wait for a host message of one type
 * @g: the guest
 * @r: the report
 * @want: the message type
 * @buf: receives the payload
 * @len: receives its size
 *
 * Messages of other types are consumed and dropped.
 *
 * Return: 0, or -1 when it never came.
 */
static int vmbus_wait_for(struct hv_guest *g, struct vmbus_report *r,
			  enum vmbus_msg_type want, u8 *buf, u32 *len)
{
	do {
		if (vmbus_next_message(g, r, buf, len))
			return -1;
	} while (*len < 8 || get_u32(buf) != (u32)want);
	return 0;
}

/* ---- the steps --------------------------------------------------------- */

/**
 * vmbus_initiate_contact() - one INITIATE_CONTACT and its VERSION_RESPONSE
 * @g: the guest
 * @r: the report (the try is recorded)
 * @version: the version to propose
 *
 * 5.0 and later go to connection 4 with message SINT 2; older ones to
 * connection 1 with an interrupt page. Both monitor pages are sent.
 *
 * Return: 1 accepted, 0 refused or INVALID_CONNECTION_ID (try the next
 * version), -1 failure.
 */
static int vmbus_initiate_contact(struct hv_guest *g, struct vmbus_report *r,
				  u32 version)
{
	u64 pages = GUEST_VMBUS_PAGES;
	unsigned int n = r->tried++;
	u8 msg[40] = { 0 };
	u8 reply[HV_MESSAGE_PAYLOAD_MAX];
	u32 len, target;
	u64 vp_index, result;
	bool v5 = version >= VERSION_WIN10_V5;

	if (hvcall_rdmsr(g->msr_vp_index, &vp_index))
		return report_error(r, "RDMSR VP index: %s",
				    hvcall_last_error());
	target = (u32)vp_index;
	memset(g->mem + pages, 0, 3 * GUEST_PAGE_SIZE);
	put_u32(msg, CHANNELMSG_INITIATE_CONTACT);
	put_u32(msg + 8, version);
	put_u32(msg + 12, target);
	if (v5)
		msg[16] = VMBUS_MESSAGE_SINT;	/* msg_vtl 0 */
	else
		put_u64(msg + 16, pages);	/* interrupt page */
	put_u64(msg + 24, pages + GUEST_PAGE_SIZE);
	put_u64(msg + 32, pages + 2 * GUEST_PAGE_SIZE);

	r->tried_version[n] = version;
	result = vmbus_post(g, r, v5 ? VMBUS_MESSAGE_CONNECTION_ID_4 :
			    VMBUS_MESSAGE_CONNECTION_ID, msg, sizeof(msg));
	r->tried_result[n] = result;
	if (hv_result_status(result) == HV_STATUS_INVALID_CONNECTION_ID)
		return 0;
	if (!hv_result_success(result))
		return report_error(r, "INITIATE_CONTACT %u.%u: status 0x%x",
				    version >> 16, version & 0xffff,
				    hv_result_status(result));
	if (vmbus_wait_for(g, r, CHANNELMSG_VERSION_RESPONSE, reply, &len))
		return -1;
	if (len < 16)
		return report_error(r, "VERSION_RESPONSE of %u bytes", len);
	r->tried_supported[n] = reply[8];
	if (!reply[8])
		return 0;
	r->version = version;
	r->msg_conn_id = v5 ? get_u32(reply + 12) : VMBUS_MESSAGE_CONNECTION_ID;
	return 1;
}

/**
 * vmbus_request_offers() - REQUESTOFFERS, then OFFERCHANNELs until
 * ALLOFFERS_DELIVERED
 * @g: the guest
 * @r: the report (the offers are recorded)
 *
 * Return: 0, or -1 on failure.
 */
static int vmbus_request_offers(struct hv_guest *g, struct vmbus_report *r)
{
	u8 msg[8] = { CHANNELMSG_REQUESTOFFERS };
	u8 reply[HV_MESSAGE_PAYLOAD_MAX];
	u64 result;
	u32 len;

	result = vmbus_post(g, r, r->msg_conn_id, msg, sizeof(msg));
	if (!hv_result_success(result))
		return report_error(r, "REQUESTOFFERS: status 0x%x",
				    hv_result_status(result));
	for (;;) {
		struct vmbus_offer_info *o;

		if (vmbus_next_message(g, r, reply, &len))
			return -1;
		if (len < 8)
			continue;
		if (get_u32(reply) == CHANNELMSG_ALLOFFERS_DELIVERED)
			break;
		if (get_u32(reply) != CHANNELMSG_OFFERCHANNEL || len < 196 ||
		    r->n_offers == VMBUS_MAX_OFFERS)
			continue;
		o = &r->offers[r->n_offers++];
		memcpy(o->if_type, reply + 8, 16);
		memcpy(o->if_instance, reply + 24, 16);
		o->relid = get_u32(reply + 184);
		o->connection_id = get_u32(reply + 192);
	}
	r->all_offers_delivered = true;
	return 0;
}

/**
 * vmbus_signal_offers() - one fast HvCallSignalEvent per offer
 * @r: the report (each result is recorded)
 *
 * Input: the offer's connection id, flag number 0 (bits 47:32), as Linux's
 * vmbus_set_event(). The host listens on a channel's connection only while
 * the channel is open, so for an offer nobody opened the status is
 * INVALID_CONNECTION_ID; the call is made for its routing.
 */
static void vmbus_signal_offers(struct vmbus_report *r)
{
	unsigned int i;

	for (i = 0; i < r->n_offers; i++) {
		r->offers[i].signal_result =
			hv_do_fast_hypercall8(HVCALL_SIGNAL_EVENT,
					      r->offers[i].connection_id);
		r->signal_events++;
	}
}

/**
 * vmbus_unload() - UNLOAD, then wait for UNLOAD_RESPONSE
 * @g: the guest
 * @r: the report
 *
 * Return: 0, or -1 on failure.
 */
static int vmbus_unload(struct hv_guest *g, struct vmbus_report *r)
{
	u8 msg[8] = { CHANNELMSG_UNLOAD };
	u8 reply[HV_MESSAGE_PAYLOAD_MAX];
	u64 result;
	u32 len;

	result = vmbus_post(g, r, r->msg_conn_id, msg, sizeof(msg));
	if (!hv_result_success(result))
		return report_error(r, "UNLOAD: status 0x%x",
				    hv_result_status(result));
	if (vmbus_wait_for(g, r, CHANNELMSG_UNLOAD_RESPONSE, reply, &len))
		return -1;
	r->unloaded = true;
	return 0;
}

/**
 * vmbus_bringup() - bring VMBus up on a set-up guest VP, then unload it
 * @g: the guest, after hv_guest_setup()
 * @r: filled in
 *
 * Return: VMBUS_CONNECTED, VMBUS_E_NO_VERSION when no INITIATE_CONTACT was
 * accepted (every one got INVALID_CONNECTION_ID or a refusal), or
 * VMBUS_E_FAILED; @r->error says why.
 */
int vmbus_bringup(struct hv_guest *g, struct vmbus_report *r)
{
	unsigned int i;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (hv_guest_synic_enable(g)) {
		report_error(r, "%s", hv_guest_error);
		return VMBUS_E_FAILED;
	}
	for (i = 0; i < VMBUS_VERSION_COUNT; i++) {
		rc = vmbus_initiate_contact(g, r, vmbus_versions[i]);
		if (rc)
			break;
	}
	if (rc < 0)
		return VMBUS_E_FAILED;
	if (!r->version) {
		report_error(r, "no version accepted: %u INITIATE_CONTACTs",
			     r->tried);
		return VMBUS_E_NO_VERSION;
	}
	if (vmbus_request_offers(g, r))
		return VMBUS_E_FAILED;
	vmbus_signal_offers(r);
	if (r->version >= VERSION_WIN8_1 && vmbus_unload(g, r))
		return VMBUS_E_FAILED;
	return VMBUS_CONNECTED;
}

/* ---- reporting --------------------------------------------------------- */

static const struct {
	const char *name;
	const char *guid;
} vmbus_devices[] = {
	{ "network", "f8615163-df3e-46c5-913f-f2d2f965ed0e" },
	{ "storage", "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f" },
	{ "heartbeat", "57164f39-9115-4e78-ab55-382f3bd5422d" },
	{ "shutdown", "0e0b6031-5213-4934-818b-38d90ced39db" },
	{ "echo", "e5c0be7a-4876-4361-8a6c-6c6563686f00" },
};

/**
 * vmbus_guid_string() - a GUID in wire order (GUID_INIT: the first three
 * fields little-endian) as text
 * @guid: 16 bytes
 * @out: receives "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
 */
void vmbus_guid_string(const u8 guid[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 guid[3], guid[2], guid[1], guid[0], guid[5], guid[4], guid[7],
		 guid[6], guid[8], guid[9], guid[10], guid[11], guid[12],
		 guid[13], guid[14], guid[15]);
}

/**
 * vmbus_device_name() - the name of a known device class
 * @guid: the if_type GUID, wire order
 *
 * Return: "network", "storage", "heartbeat", "shutdown", "echo" or "?".
 */
const char *vmbus_device_name(const u8 guid[16])
{
	char text[37];
	size_t i;

	vmbus_guid_string(guid, text);
	for (i = 0; i < ARRAY_SIZE(vmbus_devices); i++)
		if (!strcmp(text, vmbus_devices[i].guid))
			return vmbus_devices[i].name;
	return "?";
}

static const char *status_name(u16 status)
{
	switch (status) {
	case HV_STATUS_SUCCESS:
		return "SUCCESS";
	case HV_STATUS_INVALID_HYPERCALL_CODE:
		return "INVALID_HYPERCALL_CODE";
	case HV_STATUS_INVALID_HYPERCALL_INPUT:
		return "INVALID_HYPERCALL_INPUT";
	case HV_STATUS_INVALID_ALIGNMENT:
		return "INVALID_ALIGNMENT";
	case HV_STATUS_INVALID_PARAMETER:
		return "INVALID_PARAMETER";
	case HV_STATUS_ACCESS_DENIED:
		return "ACCESS_DENIED";
	case HV_STATUS_INVALID_CONNECTION_ID:
		return "INVALID_CONNECTION_ID";
	case HV_STATUS_INSUFFICIENT_BUFFERS:
		return "INSUFFICIENT_BUFFERS";
	case HV_STATUS_INVALID_SYNIC_STATE:
		return "INVALID_SYNIC_STATE";
	default:
		return "?";
	}
}

/**
 * vmbus_report_print() - a short human-readable report
 * @r: the report
 * @g: the guest it ran on
 * @f: where to print
 */
void vmbus_report_print(const struct vmbus_report *r,
			const struct hv_guest *g, FILE *f)
{
	unsigned int i;
	char guid[37];

	fprintf(f, "VP %u: %s (CPUID 0x40000004 EAX 0x%08x), SynIC MSRs from 0x%08x\n",
		g->vp, g->nested_root ? "nested root" : "not a nested root",
		g->enlightenments, g->msr_scontrol);
	for (i = 0; i < r->tried; i++) {
		u16 status = hv_result_status(r->tried_result[i]);

		fprintf(f, "INITIATE_CONTACT %u.%u: PostMessage %s (0x%x)",
			r->tried_version[i] >> 16, r->tried_version[i] & 0xffff,
			status_name(status), status);
		if (status == HV_STATUS_SUCCESS)
			fprintf(f, ", VERSION_RESPONSE %s",
				r->tried_supported[i] ? "accepted" : "refused");
		fputc('\n', f);
	}
	if (r->version)
		fprintf(f, "version %u.%u, message connection id %u\n",
			r->version >> 16, r->version & 0xffff, r->msg_conn_id);
	else
		fprintf(f, "no version accepted\n");
	if (r->all_offers_delivered)
		fprintf(f, "offers: %u, then ALLOFFERS_DELIVERED\n",
			r->n_offers);
	for (i = 0; i < r->n_offers; i++) {
		const struct vmbus_offer_info *o = &r->offers[i];
		u16 status = hv_result_status(o->signal_result);

		vmbus_guid_string(o->if_type, guid);
		fprintf(f, "  relid %u  %-9s %s  connection 0x%04x  SignalEvent %s (0x%x)%s\n",
			o->relid, vmbus_device_name(o->if_type), guid,
			o->connection_id, status_name(status), status,
			status == HV_STATUS_INVALID_CONNECTION_ID ?
			" - channel not open" : "");
	}
	if (r->unloaded)
		fprintf(f, "UNLOAD: UNLOAD_RESPONSE\n");
	fprintf(f, "calls: %u PostMessage, %u SignalEvent (fast); ",
		r->post_messages, r->signal_events);
	fprintf(f, "%u host messages, %u EOM, %lu host steps\n", r->messages,
		r->eoms, r->steps);
	if (r->error[0])
		fprintf(f, "error: %s\n", r->error);
}
