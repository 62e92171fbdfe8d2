// What close() means with objects still held (libvirt reference counting): the Connect
// wrapper is detached at once, but libvirt keeps the connection open while any Domain (or
// other object) obtained from it is alive; those keep answering until freed or collected.
import { describe, expect, it } from 'vitest';
import { Connect, LibvirtError } from '../../lib/libvirt/index.js';
import { testDomainXML, uniq } from '../helpers/index.js';

describe('close() with domains still held, on test:///default', () => {
  it('close() resolves to the references left; the domain answers; the Connect does not', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    expect(await conn.close()).toBe(1); // the domain's reference keeps libvirt's connection
    expect(dom.getName()).toBe('test');
    expect((await dom.getInfo()).nrVirtCpu).toBeGreaterThan(0);
    expect(await dom.isActive()).toBe(true);
    const e = await conn.listAllDomains().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LibvirtError);
    expect((e as { virtkitCode?: string }).virtkitCode).toBe('ERR_OBJECT_FREED');
    expect(await conn.close()).toBe(0); // idempotent
    dom.free(); // the last reference: libvirt closes the connection now
    await expect(dom.getInfo()).rejects.toMatchObject({ virtkitCode: 'ERR_OBJECT_FREED' });
  });

  it('a domain of a closed connection can still change state (it is the same libvirt connection)', async () => {
    const conn = await Connect.open('test:///default');
    const name = uniq('agent-cl');
    const dom = await conn.domainDefineXML(testDomainXML(name));
    await conn.close();
    await dom.create();
    expect(await dom.isActive()).toBe(true);
    await dom.destroy();
    await dom.undefine();
    dom.free();
  });
});
