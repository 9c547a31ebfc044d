export { sleep, waitFor } from '../../support/wait';
