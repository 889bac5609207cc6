// Where lowbit looks for Vulkan drivers before it lets Dawn probe them (no probe, so no native "Found no drivers!" noise, when there is nothing to find).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemVulkanDriverPresent, vulkanIcdFolders } from '../../src/gpu/node-gpu.js';

describe('Vulkan driver discovery', () => {
  it('searches the loader folders in order: XDG config dirs, /etc, XDG data dirs, the user data folder', () => {
    const env = { XDG_CONFIG_DIRS: '/c1:/c2', XDG_DATA_DIRS: '/d1', HOME: '/home/u' };
    expect(vulkanIcdFolders(env)).toEqual(['/c1/vulkan/icd.d', '/c2/vulkan/icd.d', '/usr/local/etc/vulkan/icd.d', '/etc/vulkan/icd.d', '/d1/vulkan/icd.d', '/home/u/.local/share/vulkan/icd.d']);
    expect(vulkanIcdFolders({ HOME: '/h' })).toContain('/usr/share/vulkan/icd.d');
  });

  it.runIf(process.platform === 'linux')('finds a driver manifest in an XDG data dir, and trusts an explicit VK_ICD_FILENAMES', () => {
    const root = mkdtempSync(join(tmpdir(), 'lowbit-icd-'));
    const icd = join(root, 'vulkan', 'icd.d');
    mkdirSync(icd, { recursive: true });
    const env = { XDG_DATA_DIRS: root, XDG_CONFIG_DIRS: join(root, 'none'), HOME: root };
    writeFileSync(join(icd, 'gpu_icd.x86_64.json'), '{}');
    expect(systemVulkanDriverPresent(env)).toBe(true);
    expect(systemVulkanDriverPresent({ ...env, XDG_DATA_DIRS: join(root, 'empty'), VK_ICD_FILENAMES: '/some/icd.json' })).toBe(true);
  });
});
