// The Kerberos AES primitives against the published vectors: RFC 3961 appendix A.1 (n-fold),
// RFC 3962 appendix B (PBKDF2 string-to-key, which runs DK, and AES-128 CBC with ciphertext stealing).
import assert from 'node:assert/strict';
import { ctsDecrypt, ctsEncrypt, decrypt, encrypt, nfold, stringToKey } from '../../../../daemon/src/directory/ad/kerberos/aes-cts.js';

const h = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('Kerberos AES crypto (RFC 3961, RFC 3962)', () => {
  it('n-fold matches RFC 3961 A.1', () => {
    const cases: Array<[number, string, string]> = [
      [64, '012345', 'be072631276b1955'],
      [56, 'password', '78a07b6caf85fa'],
      [64, 'Rough Consensus, and Running Code', 'bb6ed30870b7f0e0'],
      [168, 'password', '59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e'],
      [192, 'MASSACHVSETTS INSTITVTE OF TECHNOLOGY', 'db3b0d8f0b061e603282b308a50841229ad798fab9540c1b'],
      [168, 'Q', '518a54a215a8452a518a54a215a8452a518a54a215'],
      [168, 'ba', 'fb25d531ae8974499f52fd92ea9857c4ba24cf297e'],
      [64, 'kerberos', '6b65726265726f73'],
      [128, 'kerberos', '6b65726265726f737b9b5b2b93132b93'],
      [168, 'kerberos', '8372c236344e5f1550cd0747e15d62ca7a5a3bcea4'],
      [256, 'kerberos', '6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4'],
    ];
    for (const [bits, input, out] of cases) assert.equal(nfold(Buffer.from(input), bits / 8).toString('hex'), out, `${bits}-fold(${input})`);
  });

  it('string-to-key (PBKDF2 + DK) matches RFC 3962 B', () => {
    const salt = 'ATHENA.MIT.EDUraeburn';
    const cases: Array<[number, string, string]> = [
      [1, '42263c6e89f4fc28b8df68ee09799f15', 'fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161'],
      [2, 'c651bf29e2300ac27fa469d693bdda13', 'a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff'],
      [1200, '4c01cd46d632d01e6dbe230a01ed642a', '55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a'],
    ];
    for (const [iter, k128, k256] of cases) {
      assert.equal(stringToKey(17, 'password', salt, iter).toString('hex'), k128, `aes128 iter ${iter}`);
      assert.equal(stringToKey(18, 'password', salt, iter).toString('hex'), k256, `aes256 iter ${iter}`);
    }
  });

  it('CBC ciphertext stealing matches RFC 3962 B, both ways', () => {
    const key = Buffer.from('chicken teriyaki');
    const text = Buffer.from("I would like the General Gau's Chicken, please, and wonton soup.");
    const cases: Array<[number, string]> = [
      [17, 'c6353568f2bf8cb4d8a580362da7ff7f97'],
      [31, 'fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5'],
      [32, '39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584'],
      [47, '97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5'],
      [48, '97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8'],
      [64, '97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a84807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8'],
    ];
    for (const [len, out] of cases) {
      assert.equal(ctsEncrypt(key, text.subarray(0, len)).toString('hex'), out, `encrypt ${len}`);
      assert.deepEqual(ctsDecrypt(key, h(out)), text.subarray(0, len), `decrypt ${len}`);
    }
  });

  it('encrypt/decrypt round-trips for every length and both AES types, and any flipped bit fails the HMAC', () => {
    for (const etype of [17, 18]) {
      const key = stringToKey(etype, 'secret', 'EXAMPLE.COMuser', 2);
      for (let len = 0; len < 70; len++) {
        const plain = Buffer.alloc(len, len);
        const c = encrypt(etype, key, 11, plain);
        assert.deepEqual(decrypt(etype, key, 11, c), plain);
        assert.throws(() => decrypt(etype, key, 2, c), /integrity/, 'another key usage');
        const bad = Buffer.from(c);
        bad[len % bad.length] = (bad[len % bad.length] as number) ^ 1;
        assert.throws(() => decrypt(etype, key, 11, bad), /integrity/);
      }
    }
    assert.throws(() => decrypt(23, Buffer.alloc(16), 2, Buffer.alloc(40)), /not supported/, 'RC4 refused');
    assert.throws(() => decrypt(18, Buffer.alloc(32), 2, Buffer.alloc(20)), /too short/);
  });
});
